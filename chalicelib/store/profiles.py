"""A short cache of 7stamp customers (contact details and card progress) for enrichment, and who is waiting for one.

One item per customer in the keys table (``cust#<location>#<customer id>``, TTL on
``expires_at``). A profile is fresh for PROFILE_SECONDS after 7stamp was asked
(``fetched_at``); this worker also keeps the fresh ones in memory for MEMORY_SECONDS, so a
customer seen again soon by the same worker costs no read, while progress another worker
wrote (``put``) reaches it within seconds.

Until a fresh profile is in, the same item says who needs it: the keys of the events
stored awaiting it (``waiting``, added by ``want``) and the second a lookup of the customer
is booked for (``lookup_at``, taken by one worker with a conditional write: ``take_lookup``).
``land`` writes the profile and hands back the waiting keys in the same write, so the
lookup that lands releases every event that waited for it.
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
MAX_WAITING = 400  # event keys one customer's item keeps (70 bytes each, far below DynamoDB's 400 KB); more wait on their timer


@dataclass(frozen=True)
class CustomerProfile:
    """What 7stamp said about a customer at ``fetched_at``: contact fields and each card's progress by card id."""

    location_id: str
    customer_id: str
    contact: dict[str, Any]
    cards: dict[str, dict[str, Any]]
    fetched_at: float


@dataclass(frozen=True)
class Wanted:
    """A customer as ``want`` found it: the fresh profile when there is one, else the second a lookup is booked for."""

    profile: CustomerProfile | None
    lookup_at: int | None
    waiting: bool  # the event's key is kept with the customer: the lookup that lands releases it


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
        return self.look(location_id, customer_id).profile

    def look(self, location_id: str, customer_id: str) -> Wanted:
        """The fresh profile (from memory, else the table) or, when there is none, the second a lookup is booked for."""
        pk = _pk(location_id, customer_id)
        now = self._clock.now()
        with self._lock:
            kept = self._memory.get(pk)
        if kept is not None and kept[0] + MEMORY_SECONDS > now and kept[1].fetched_at + self._ttl > now:
            return Wanted(kept[1], None, False)
        item = self._db.call("get_item", TableName=self._table, Key=_dynamo.to_item({"pk": pk})).get("Item")
        values = _dynamo.from_item(item) if item else {}
        return Wanted(self._fresh(location_id, customer_id, values), _lookup_at(values), False)

    def put(self, profile: CustomerProfile) -> None:
        """Keep the profile for the TTL after ``fetched_at`` (progress updated from an event keeps its profile's time)."""
        self._db.call("update_item", **self._profile_update(profile, ""))
        self._remember(_pk(profile.location_id, profile.customer_id), profile)

    def want(self, location_id: str, customer_id: str, event_key: str, keep_until: float, seen: float | None = None) -> Wanted:
        """Keep ``event_key`` with the customer until a lookup lands (one write), unless a fresh profile is in already.

        ``keep_until``: when the event stops waiting anyway (its enrichment's bound); the item lives at least that long.
        ``seen``: the fetch time of a profile the event found too old for its card (a goal reached since): only a
        later one will do.
        """
        try:
            answer = self._db.call(
                "update_item",
                TableName=self._table,
                Key=_dynamo.to_item({"pk": _pk(location_id, customer_id)}),
                UpdateExpression="ADD waiting :key SET expires_at = :keep",
                ConditionExpression="(attribute_not_exists(fetched_at) OR fetched_at <= :seen)"
                " AND (attribute_not_exists(waiting) OR size(waiting) < :most)",
                ExpressionAttributeValues=_dynamo.values(
                    key={event_key}, keep=int(keep_until) + 60, seen=self._seen(seen), most=MAX_WAITING
                ),
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except _dynamo.ConditionFailed as failed:  # a fresh profile is in, or too many wait already
            values = _dynamo.from_item(failed.item or {})
            return Wanted(self._fresh(location_id, customer_id, values), _lookup_at(values), False)
        values = _dynamo.from_item(answer["Attributes"])
        return Wanted(None, _lookup_at(values), True)

    def take_lookup(self, location_id: str, customer_id: str, window: int, stale_before: float, seen: float | None = None) -> bool:
        """Become the one lookup of this customer, booked for ``window``; False when another is booked since ``stale_before``
        or a fresh profile (later than ``seen``, as in ``want``) is in."""
        return (
            self._lookup_update(
                location_id,
                customer_id,
                "SET lookup_at = :w, expires_at = if_not_exists(expires_at, :keep)",
                "(attribute_not_exists(lookup_at) OR lookup_at < :stale) AND (attribute_not_exists(fetched_at) OR fetched_at <= :seen)",
                {"w": window, "keep": window + 600, "stale": stale_before, "seen": self._seen(seen)},
            )
            is not None
        )

    def land(self, profile: CustomerProfile) -> list[str]:
        """Write the looked-up profile and end the lookup; the keys of the events that waited for it, in the same write."""
        answer = self._db.call("update_item", **self._profile_update(profile, " REMOVE waiting, lookup_at"), ReturnValues="ALL_OLD")
        self._remember(_pk(profile.location_id, profile.customer_id), profile)
        return sorted(_dynamo.from_item(answer.get("Attributes") or {}).get("waiting") or ())

    def give_up(self, location_id: str, customer_id: str, window: int) -> list[str]:
        """End the lookup booked for ``window`` without a profile (7stamp has no such customer, or refused the key);
        the keys of the events that waited for it. Nothing changes when another lookup has been booked since."""
        old = self._lookup_update(location_id, customer_id, "REMOVE waiting, lookup_at", "lookup_at = :w", {"w": window}, "ALL_OLD")
        return sorted((old or {}).get("waiting") or ())

    def move_lookup(self, location_id: str, customer_id: str, window: int, later: int) -> bool:
        """Move this worker's lookup from ``window`` (a second it missed) to ``later``; False when it is not this one's any more."""
        update = "SET lookup_at = :later"
        return self._lookup_update(location_id, customer_id, update, "lookup_at = :w", {"w": window, "later": later}) is not None

    def drop_lookup(self, location_id: str, customer_id: str, window: int) -> None:
        """Free the customer's lookup booked for ``window`` (not made: its second passed, or 7stamp failed for now);
        nothing changes when another lookup was booked since."""
        self._lookup_update(location_id, customer_id, "REMOVE lookup_at", "lookup_at = :w", {"w": window})

    def _lookup_update(
        self, location_id: str, customer_id: str, update: str, condition: str, values: dict[str, Any], returns: str = "NONE"
    ) -> dict[str, Any] | None:
        key = {"pk": _pk(location_id, customer_id)}
        return self._db.update_if(self._table, key, update, condition, values, returns=returns)

    def _seen(self, seen: float | None) -> float:
        """The latest fetch time that does not count as a fresh profile: the TTL's, or a later one the caller saw."""
        return max(self._clock.now() - self._ttl, seen or 0.0)

    def _profile_update(self, profile: CustomerProfile, more: str) -> dict[str, Any]:
        body = {"contact": profile.contact, "cards": profile.cards, "fetched_at": profile.fetched_at}
        return {
            "TableName": self._table,
            "Key": _dynamo.to_item({"pk": _pk(profile.location_id, profile.customer_id)}),
            "UpdateExpression": "SET profile = :p, fetched_at = :f, expires_at = :e" + more,
            "ExpressionAttributeValues": _dynamo.values(
                p=json.dumps(body), f=profile.fetched_at, e=int(profile.fetched_at + self._ttl) + 1
            ),
        }

    def _fresh(self, location_id: str, customer_id: str, values: dict[str, Any]) -> CustomerProfile | None:
        """The item's profile while it is younger than the TTL (remembered in memory), else None."""
        if "profile" not in values or float(values.get("fetched_at", 0)) + self._ttl <= self._clock.now():
            return None
        profile = CustomerProfile(location_id, customer_id, **json.loads(values["profile"]))
        self._remember(_pk(location_id, customer_id), profile)
        return profile

    def _remember(self, pk: str, profile: CustomerProfile) -> None:
        with self._lock:
            self._memory[pk] = (self._clock.now(), profile)
            self._memory.move_to_end(pk)
            while len(self._memory) > MEMORY_ENTRIES:
                self._memory.popitem(last=False)


def _lookup_at(values: dict[str, Any]) -> int | None:
    return int(values["lookup_at"]) if values.get("lookup_at") is not None else None


def _pk(location_id: str, customer_id: str) -> str:
    return f"cust#{location_id}#{customer_id}"
