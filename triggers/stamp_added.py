"""Stamps were added to a customer's card (at the counter, through a POS or the API)."""

from __future__ import annotations

from chalicelib.contract.definitions import OutputField, TriggerDefinition
from triggers._event_parts import CARD_FIELDS, CARD_TEMPLATE_FILTER, EVENT_FIELDS, sample_event

DEFINITION = TriggerDefinition(
    key="stamp_added",
    noun="Stamp",
    label="Stamp Added",
    help_text=(
        "Triggers when a customer collects stamps on their card: scanned by staff, added by your POS or through the API. "
        "Use it to log visits or update your CRM."
    ),
    sample=sample_event(
        "stamp_added",
        stamp={"count": 1, "comment": "POS check #1042"},
    ),
    output_fields=EVENT_FIELDS
    + CARD_FIELDS
    + (
        OutputField("stamp.count", "Stamps added", "integer"),
        OutputField("stamp.comment", "Stamp comment"),
    ),
    filters=(CARD_TEMPLATE_FILTER,),
    aliases=("스탬프_added", "stempel_ditambahkan"),
)
