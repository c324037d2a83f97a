"""Enrichment: the customer's email, phone, name and birthday and the card's progress, merged into an event.

One 7stamp call (the card, which comes with its customer; the customer when there is no
card), within the caller's ``wait`` and without retries. When 7stamp is slow or down the
answer says ``retry``: the pipeline stores the event awaiting enrichment and asks again
later, before delivering it.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from chalicelib import keyvault, services
from chalicelib.errors import ConnectorError, NotFound
from chalicelib.store.records import Connection

log = logging.getLogger("connector.enrich")

DEADLINE = 3.0
CUSTOMER_FIELDS = ("email", "phone", "name", "birthday")
CARD_FIELDS = ("stamps", "stamps_required", "template_id", "goal_index", "status", "wallet_url")
_KEY_TTL = 300.0
_keys: dict[str, tuple[float, str]] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Enrichment:
    """The payload with whatever could be merged, whether the details are in, and whether asking later may help."""

    record: dict[str, Any]
    enriched: bool
    retry: bool


def _api_key(connection: Connection) -> str | None:
    """The location's key, decrypted; kept in memory a few minutes to spare KMS a call per event."""
    if not connection.key_blob:
        return None
    digest = hashlib.sha256(connection.key_blob).hexdigest()
    with _lock:
        cached = _keys.get(digest)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    key = keyvault.decrypt(connection.key_blob, connection.location_id)
    with _lock:
        _keys[digest] = (time.monotonic() + _KEY_TTL, key)
    return key


def enrich(connection: Connection, payload: dict[str, Any], *, wait: float) -> Enrichment:
    """The payload with customer and card details merged in; ``wait`` is the most seconds 7stamp may take (0: no call)."""
    customer = payload.get("customer") if isinstance(payload.get("customer"), dict) else None
    card = payload.get("card") if isinstance(payload.get("card"), dict) else None
    if customer is None or not customer.get("id"):
        return Enrichment(payload, False, False)
    if wait <= 0:
        return Enrichment(payload, False, True)
    try:
        api_key = _api_key(connection)
        if api_key is None:
            return Enrichment(payload, False, False)
        with services.sevenstamp(api_key, deadline=min(wait, DEADLINE), max_attempts=1) as client:
            if card and card.get("id"):
                found = client.get_card(str(card["id"]))
                found_customer, found_card = found.get("customer") or {}, found.get("card") or {}
            else:
                found_customer, found_card = client.get_customer(str(customer["id"])), {}
    except NotFound as exc:
        log.warning("enrichment of a %s event impossible: %s", payload.get("event"), exc.message)
        return Enrichment(payload, False, False)
    except ConnectorError as exc:
        log.warning("enrichment of a %s event failed: %s", payload.get("event"), exc.message)
        return Enrichment(payload, False, True)
    enriched = dict(payload)
    enriched["customer"] = {**customer, **{k: found_customer.get(k) for k in CUSTOMER_FIELDS}}
    if card is not None and found_card:
        enriched["card"] = {**{k: found_card.get(k) for k in CARD_FIELDS if k in found_card}, **card}
        for k in ("stamps", "stamps_required"):
            enriched["card"][k] = card.get(k, found_card.get(k))
    return Enrichment(enriched, True, False)
