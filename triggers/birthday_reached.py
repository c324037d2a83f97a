"""It is a customer's birthday (fires at 09:00 location time, with a birthday voucher)."""

from __future__ import annotations

from chalicelib.contract.definitions import TriggerDefinition
from triggers._event_parts import CARD_TEMPLATE_FILTER, VOUCHER_EVENT_FIELDS, sample_event, sample_voucher

DEFINITION = TriggerDefinition(
    key="birthday_reached",
    noun="Birthday",
    label="Customer Birthday",
    help_text=(
        "Triggers when a customer has their birthday, at 9:00 in the morning at your "
        "location, as 7stamp gives them a birthday voucher. Use it to create a task in your "
        "CRM to call the customer or send a personal birthday message."
    ),
    sample=sample_event(
        "birthday_reached",
        timestamp="2026-05-11T07:00:00Z",  # 09:00 at a location in Berlin (CEST)
        voucher=sample_voucher("v_559", "birthday", "BDAY7K2M", "issued"),
    ),
    output_fields=VOUCHER_EVENT_FIELDS,
    filters=(CARD_TEMPLATE_FILTER,),
)
