"""A customer saved their card to Apple Wallet or Google Wallet."""

from __future__ import annotations

from chalicelib.definitions import Filter, TriggerDefinition
from triggers._common import CARD_FIELDS, EVENT_FIELDS, sample_event

DEFINITION = TriggerDefinition(
    key="card_saved",
    noun="Saved card",
    label="Card Saved to Wallet",
    help_text=(
        "Triggers when a customer saves their loyalty card to Apple Wallet or Google Wallet. "
        "Use it to send a thank-you email with a welcome offer or mark the contact as an "
        "active member in your CRM."
    ),
    sample=sample_event(
        "card_saved",
        card={
            "id": "card_001",
            "template_id": "ct_coffee",
            "goal_index": 0,
            "stamps": 0,
            "stamps_required": 10,
        },
    ),
    output_fields=EVENT_FIELDS + CARD_FIELDS,
    filters=(Filter("card_template_id", "Card template", "card.template_id"),),
    aliases=("kartu_disimpan",),
)
