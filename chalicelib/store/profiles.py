"""A short cache of 7stamp customers (contact details and card progress) for enrichment.

One item per customer in the keys table (``cust#<location>#<customer id>``, TTL on
``expires_at``) for PROFILE_SECONDS after 7stamp was asked, and the same entries in this
worker's memory for MEMORY_SECONDS, so a customer seen again soon by the same worker costs
no read, while progress another worker wrote (``put``) reaches it within seconds. TTL
deletion is lazy, so an expired item is a miss.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from chalicelib.clock import Clock
from chalicelib.store import _dynamo

PROFILE_SECONDS = 300  # contact details change rarely; five minutes bounds how long an edit or an erasure lingers here
MEMORY_SECONDS = 10  # how long this worker trusts its own copy before reading the table again
MEMORY_ENTRIES = 5000  # per worker; the oldest go first


@dataclass(frozen=True)
class CustomerProfile:
    """What 7stamp said about a customer at ``fetched_at``: contact fields and each card's progress by card id."""

    location_id: str
    customer_id: str
    contact: dict[str, Any]
    cards: dict[str, dict[str, Any]]
    fetched_at: float


class ProfileCache:
    def __init__(self, db: _dynamo.Dynamo, clock: Clock, table: str, ttl_seconds: int) -> None:
        self._db = db
        self._clock = clock
        self._table = table
        self._ttl = ttl_seconds
        self._memory: OrderedDict[str, tuple[float, CustomerProfile]] = OrderedDict()  # pk -> (remembered at, profile)
        self._lock = threading.Lock()

    def get(self, location_id: str, customer_id: str) -> CustomerProfile | None:
        """The cached profile younger than the TTL, from memory or else from the table; None when there is none."""
        pk = _pk(location_id, customer_id)
        now = self._clock.now()
        with self._lock:
            kept = self._memory.get(pk)
        if kept is not None and kept[0] + MEMORY_SECONDS > now and kept[1].fetched_at + self._ttl > now:
            return kept[1]
        item = self._db.call("get_item", TableName=self._table, Key=_dynamo.to_item({"pk": pk})).get("Item")
        if not item:
            return None
        values = _dynamo.from_item(item)
        if values.get("expires_at", 0) <= now:
            return None
        profile = CustomerProfile(location_id, customer_id, **json.loads(values["profile"]))
        self._remember(pk, profile)
        return profile

    def put(self, profile: CustomerProfile) -> None:
        """Keep the profile until ``fetched_at`` + the TTL (progress updated from an event keeps its profile's time)."""
        pk = _pk(profile.location_id, profile.customer_id)
        body = {"contact": profile.contact, "cards": profile.cards, "fetched_at": profile.fetched_at}
        item = {"pk": pk, "profile": json.dumps(body), "expires_at": int(profile.fetched_at + self._ttl) + 1}
        self._db.call("put_item", TableName=self._table, Item=_dynamo.to_item(item))
        self._remember(pk, profile)

    def _remember(self, pk: str, profile: CustomerProfile) -> None:
        with self._lock:
            self._memory[pk] = (self._clock.now(), profile)
            self._memory.move_to_end(pk)
            while len(self._memory) > MEMORY_ENTRIES:
                self._memory.popitem(last=False)


def _pk(location_id: str, customer_id: str) -> str:
    return f"cust#{location_id}#{customer_id}"
