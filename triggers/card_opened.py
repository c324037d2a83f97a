"""A customer opened their personal wallet card link."""

from __future__ import annotations

from chalicelib.contract.definitions import TriggerDefinition
from triggers._event_parts import CARD_FIELDS, CARD_TEMPLATE_FILTER, EVENT_FIELDS, NEW_CARD, sample_event

DEFINITION = TriggerDefinition(
    key="card_opened",
    noun="Opened card",
    label="Card Opened",
    help_text=(
        "Triggers when a customer opens their personal loyalty card link, usually just "
        "before saving the card to Apple Wallet or Google Wallet. Use it to remind "
        "customers by email who opened the link but have not saved the card yet."
    ),
    sample=sample_event(
        "card_opened",
        card=NEW_CARD,
    ),
    output_fields=EVENT_FIELDS + CARD_FIELDS,
    filters=(CARD_TEMPLATE_FILTER,),
    aliases=("kartu_dibuka",),
)
