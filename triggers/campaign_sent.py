"""A 7stamp campaign was sent to a customer (push, email or messengers)."""

from __future__ import annotations

from chalicelib.contract.definitions import Filter, OutputField, TriggerDefinition
from triggers._event_parts import CARD_FIELDS, CARD_TEMPLATE_FILTER, EVENT_FIELDS, sample_event

DEFINITION = TriggerDefinition(
    key="campaign_sent",
    noun="Campaign",
    label="Campaign Sent",
    help_text=(
        "Triggers when one of your campaigns reaches a customer by wallet push, email or messenger. "
        "Use it to log who received which campaign."
    ),
    sample=sample_event(
        "campaign_sent",
        campaign={"id": "cmp_42", "name": "Happy hour Friday", "channel": "push"},
    ),
    output_fields=EVENT_FIELDS
    + CARD_FIELDS
    + (
        OutputField("campaign.id", "Campaign ID"),
        OutputField("campaign.name", "Campaign name"),
        OutputField("campaign.channel", "Campaign channel"),
    ),
    filters=(
        Filter(
            "channel",
            "Channel",
            "campaign.channel",
            ("push", "email", "messengers"),
            help="Only campaigns sent this way; leave empty for every channel.",
        ),
        CARD_TEMPLATE_FILTER,
    ),
)
