"""Enrichment: the customer's email, phone, name and birthday and the card's progress, merged into an event.

One 7stamp call (the card, which comes with its customer; the customer when there is no
card), with a short deadline and no retries: when 7stamp is slow or down the event is
stored and delivered anyway, marked ``enriched: false``.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from typing import Any

from chalicelib import keyvault, services
from chalicelib.errors import ConnectorError
from chalicelib.store.records import Connection

log = logging.getLogger("connector.enrich")

DEADLINE = 3.0
CUSTOMER_FIELDS = ("email", "phone", "name", "birthday")
CARD_FIELDS = ("stamps", "stamps_required", "template_id", "goal_index", "status", "wallet_url")
_KEY_TTL = 300.0
_keys: dict[str, tuple[float, str]] = {}
_lock = threading.Lock()


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


def enrich(connection: Connection, payload: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The payload with customer and card details merged in, and whether that worked."""
    customer = payload.get("customer") if isinstance(payload.get("customer"), dict) else None
    card = payload.get("card") if isinstance(payload.get("card"), dict) else None
    if customer is None or not customer.get("id"):
        return payload, False
    try:
        api_key = _api_key(connection)
        if api_key is None:
            return payload, False
        with services.sevenstamp(api_key, deadline=DEADLINE, max_attempts=1) as client:
            if card and card.get("id"):
                found = client.get_card(str(card["id"]))
                found_customer, found_card = found.get("customer") or {}, found.get("card") or {}
            else:
                found_customer, found_card = client.get_customer(str(customer["id"])), {}
    except ConnectorError as exc:
        log.warning("enrichment of a %s event failed: %s", payload.get("event"), exc.message)
        return payload, False
    enriched = dict(payload)
    enriched["customer"] = {**customer, **{k: found_customer.get(k) for k in CUSTOMER_FIELDS}}
    if card is not None and found_card:
        enriched["card"] = {**{k: found_card.get(k) for k in CARD_FIELDS if k in found_card}, **card}
        for k in ("stamps", "stamps_required"):
            enriched["card"][k] = card.get(k, found_card.get(k))
    return enriched, True
