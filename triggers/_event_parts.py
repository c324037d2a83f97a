"""What every event record shares: its common output fields and a sample builder.

Samples use obviously fake values (``example.com``, ``+1 555`` numbers) so a scenario
built on a sample never reaches a real person.
"""

from __future__ import annotations

from typing import Any

from chalicelib.contract.card_labels import card_fields
from chalicelib.contract.definitions import Filter, OutputField

EVENT_FIELDS: tuple[OutputField, ...] = (
    OutputField("id", "Event ID"),
    OutputField("event", "Event name"),
    OutputField("timestamp", "Happened at", "datetime"),
    OutputField("business_id", "Business ID"),
    OutputField("location_id", "Location ID"),
    OutputField("enriched", "Customer details added", "boolean"),
    OutputField("customer.id", "Customer ID"),
    OutputField("customer.email", "Customer email"),
    OutputField("customer.phone", "Customer phone"),
    OutputField("customer.name", "Customer name"),
    OutputField("customer.birthday", "Customer birthday"),
    OutputField("customer.language", "Customer language"),
    OutputField("customer.wallet_pass_id", "Wallet pass ID"),
)

CARD_FIELDS = card_fields("id", "template_id", "stamps", "stamps_required", "goal_index", prefix="card.")

VOUCHER_FIELDS: tuple[OutputField, ...] = (
    OutputField("voucher.id", "Voucher ID"),
    OutputField("voucher.type", "Voucher type"),
    OutputField("voucher.redeem_code", "Redeem code"),
    OutputField("voucher.status", "Voucher status"),
    OutputField("voucher.redeemed_via", "Redeemed via"),
)

VOUCHER_EVENT_FIELDS = EVENT_FIELDS + CARD_FIELDS + VOUCHER_FIELDS
"""What an event about a voucher carries: the event, the card the voucher belongs to, the voucher."""


CARD_TEMPLATE_FILTER = Filter(
    "card_template_id",
    "Card template",
    "card.template_id",
    help="Only events of these loyalty programs; leave empty for every program.",
    dynamic="card-templates",
)
"""Every card event can be narrowed to one loyalty program."""

VOUCHER_TYPE_FILTER = Filter(
    "voucher_type",
    "Voucher type",
    "voucher.type",
    ("voucher", "reward", "birthday", "lottery_prize"),
    help="Only vouchers of these kinds; leave empty for every kind.",
)
"""Every voucher event can be narrowed to one kind of voucher."""

NEW_CARD: dict[str, Any] = {"id": "card_001", "template_id": "ct_coffee", "goal_index": 0, "stamps": 0, "stamps_required": 10}
"""A card just issued, before its first stamp: the sample card of the card lifecycle events."""

COMPLETED_CARD: dict[str, Any] = {"id": "card_001", "template_id": "ct_coffee", "goal_index": 2, "stamps": 0, "stamps_required": 10}
"""A card whose goal was just completed: goal_index counts it, and stamps start again from zero."""


def sample_voucher(
    voucher_id: str,
    kind: str,
    redeem_code: str,
    status: str,
    redeemed_via: str | None = None,
    formats: tuple[str, ...] = ("text", "qr", "barcode"),
) -> dict[str, Any]:
    """A voucher as an event record carries it, with fake values."""
    return {
        "id": voucher_id,
        "type": kind,
        "redeem_code": redeem_code,
        "redeem_code_formats": list(formats),
        "status": status,
        "redeemed_via": redeemed_via,
    }


def sample_event(event: str, **extra: Any) -> dict[str, Any]:
    """A realistic, enriched event record with fake values; ``extra`` adds or replaces top-level keys."""
    record: dict[str, Any] = {
        "id": f"evt_sample_{event}",
        "event": event,
        "timestamp": "2026-05-11T12:34:56Z",
        "business_id": "b_123",
        "location_id": "loc_45",
        "enriched": True,
        "customer": {
            "id": "c_789",
            "wallet_pass_id": "wp_abc",
            "language": "en",
            "email": "jane.doe@example.com",
            "phone": "+15555550123",
            "name": "Jane Doe",
            "birthday": "1990-05-11",
        },
        "card": {
            "id": "card_001",
            "template_id": "ct_coffee",
            "goal_index": 2,
            "stamps": 4,
            "stamps_required": 10,
        },
    }
    record.update(extra)
    return record
