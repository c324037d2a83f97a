"""A customer had no stamp for the number of days configured for the location."""

from __future__ import annotations

from chalicelib.contract.definitions import OutputField, TriggerDefinition
from triggers._event_parts import CARD_FIELDS, CARD_TEMPLATE_FILTER, EVENT_FIELDS, sample_event

DEFINITION = TriggerDefinition(
    key="inactivity_trigger",
    noun="Inactive customer",
    label="Customer Inactive",
    help_text=(
        "Triggers when a customer has not collected a stamp for the number of days set for your location. "
        "Use it to send a win-back offer or create a follow-up task."
    ),
    sample=sample_event(
        "inactivity_trigger",
        inactivity={"days": 30},
    ),
    output_fields=EVENT_FIELDS + CARD_FIELDS + (OutputField("inactivity.days", "Days without a stamp", "integer"),),
    filters=(CARD_TEMPLATE_FILTER,),
)
