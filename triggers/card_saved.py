"""A customer saved their card to Apple Wallet or Google Wallet."""

from __future__ import annotations

from chalicelib.contract.definitions import TriggerDefinition
from triggers._event_parts import CARD_FIELDS, CARD_TEMPLATE_FILTER, EVENT_FIELDS, NEW_CARD, sample_event

DEFINITION = TriggerDefinition(
    key="card_saved",
    noun="Saved card",
    label="Card Saved to Wallet",
    help_text=(
        "Triggers when a customer saves their loyalty card to Apple Wallet or Google Wallet. "
        "Use it to send a welcome offer or mark the contact as an active member."
    ),
    sample=sample_event(
        "card_saved",
        card=NEW_CARD,
    ),
    output_fields=EVENT_FIELDS + CARD_FIELDS,
    filters=(CARD_TEMPLATE_FILTER,),
    aliases=("kartu_disimpan",),
)
