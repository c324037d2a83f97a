"""The labels of a 7stamp card's fields, written once for every action result and event record that shows a card.

A scenario builder then sees the same words for the same number, whether it came from
Add Stamp, Find Customer or a Stamp Added trigger.
"""

from __future__ import annotations

from chalicelib.contract.definitions import FieldType, OutputField

LABELS: dict[str, tuple[str, FieldType]] = {
    "id": ("Card ID", "string"),
    "customer_id": ("Customer ID", "string"),
    "template_id": ("Card template ID", "string"),
    "wallet_url": ("Wallet card link", "string"),
    "status": ("Card status", "string"),
    "stamps": ("Stamps toward the current goal", "integer"),
    "stamps_required": ("Stamps needed for the goal", "integer"),
    "goal_index": ("Goals completed so far", "integer"),
    "total_stamps": ("Stamps in total", "integer"),
}


def card_field(name: str, key: str | None = None) -> OutputField:
    """The output field of the card's ``name``, found at ``key`` in a result (at ``name`` itself by default)."""
    label, kind = LABELS[name]
    return OutputField(key or name, label, kind)


def card_fields(*names: str, prefix: str = "") -> tuple[OutputField, ...]:
    """The output fields of the card's ``names``, in that order, each at ``prefix + name`` (``card.`` in an event record)."""
    return tuple(card_field(name, prefix + name) for name in names)
