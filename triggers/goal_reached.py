"""A customer collected every stamp a card's goal needs."""

from __future__ import annotations

from chalicelib.contract.definitions import TriggerDefinition
from triggers._event_parts import CARD_FIELDS, CARD_TEMPLATE_FILTER, COMPLETED_CARD, EVENT_FIELDS, sample_event

DEFINITION = TriggerDefinition(
    key="goal_reached",
    noun="Goal",
    label="Goal Reached",
    help_text=(
        "Triggers when a customer collects all the stamps on their card and completes a "
        "goal. Use it to notify your team in Slack or congratulate the customer by email."
    ),
    sample=sample_event(
        "goal_reached",
        card=COMPLETED_CARD,
    ),
    output_fields=EVENT_FIELDS + CARD_FIELDS,
    filters=(CARD_TEMPLATE_FILTER,),
)
