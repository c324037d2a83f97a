"""A 7stamp campaign was sent to a customer (push, email or messengers)."""

from __future__ import annotations

from chalicelib.contract.definitions import Filter, OutputField, TriggerDefinition
from triggers._event_parts import CARD_FIELDS, CARD_TEMPLATE_FILTER, EVENT_FIELDS, sample_event

DEFINITION = TriggerDefinition(
    key="campaign_sent",
    noun="Campaign",
    label="Campaign Sent",
    help_text=(
        "Triggers when one of your 7stamp campaigns reaches a customer by wallet push "
        "notification, email or messenger. Use it to log who received which campaign in a "
        "spreadsheet or on the contact in your CRM."
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
        Filter("channel", "Channel", "campaign.channel", ("push", "email", "messengers")),
        CARD_TEMPLATE_FILTER,
    ),
)
