"""A customer opened their personal wallet card link."""

from __future__ import annotations

from chalicelib.contract.definitions import TriggerDefinition
from triggers._event_parts import CARD_FIELDS, CARD_TEMPLATE_FILTER, EVENT_FIELDS, NEW_CARD, sample_event

DEFINITION = TriggerDefinition(
    key="card_opened",
    noun="Opened card",
    label="Card Opened",
    help_text=(
        "Triggers when a customer opens their personal card link, usually just before saving the card to their wallet. "
        "Use it to remind those who have not saved it yet."
    ),
    sample=sample_event(
        "card_opened",
        card=NEW_CARD,
    ),
    output_fields=EVENT_FIELDS + CARD_FIELDS,
    filters=(CARD_TEMPLATE_FILTER,),
    aliases=("kartu_dibuka",),
)
