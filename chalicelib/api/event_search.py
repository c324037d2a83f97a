"""The tenant's recent events for the console, searchable by customer email, customer id, card id or event id."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]

from chalicelib.api.http import Call, endpoint
from chalicelib.errors import ValidationFailed

bp = Blueprint(__name__)

SEARCHED = 500  # the newest events looked at: one Query
SHOWN = 100


def _matches(record: dict[str, Any], wanted: str) -> bool:
    customer = record.get("customer")
    customer = customer if isinstance(customer, dict) else {}
    card = record.get("card")
    card = card if isinstance(card, dict) else {}
    found = (record.get("id"), customer.get("id"), customer.get("email"), customer.get("phone"), card.get("id"))
    return any(isinstance(v, str) and v.lower() == wanted for v in found)


@endpoint(bp, "/v1/events", ["GET"])
def recent_events(call: Call) -> Any:
    q = (call.query.get("q") or "").strip().lower()
    if len(q) > 200:
        raise ValidationFailed("q must be at most 200 characters", fields={"q": "must be at most 200 characters"})
    found = call.services.events.recent(call.me.location_id, None, SEARCHED if q else SHOWN)
    records = [r for r in (e.record() for e in found) if r is not None and (not q or _matches(r, q))]
    return records[:SHOWN]
