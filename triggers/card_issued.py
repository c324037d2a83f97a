"""A customer was issued a loyalty card (by staff, a sign-up form or the API)."""

from __future__ import annotations

from chalicelib.contract.definitions import TriggerDefinition
from triggers._event_parts import CARD_FIELDS, CARD_TEMPLATE_FILTER, EVENT_FIELDS, NEW_CARD, sample_event

DEFINITION = TriggerDefinition(
    key="card_issued",
    noun="Card",
    label="Card Issued",
    help_text=(
        "Triggers when a customer gets a new loyalty card, at the counter, through your sign-up form or from your web shop. "
        "Use it to add them to your mailing list."
    ),
    sample=sample_event(
        "card_issued",
        card=NEW_CARD,
    ),
    output_fields=EVENT_FIELDS + CARD_FIELDS,
    filters=(CARD_TEMPLATE_FILTER,),
    aliases=("kartu_diterbitkan",),
)
