"""It is a customer's birthday (fires at 09:00 location time, with a birthday voucher)."""

from __future__ import annotations

from chalicelib.contract.definitions import TriggerDefinition
from triggers._event_parts import CARD_TEMPLATE_FILTER, VOUCHER_EVENT_FIELDS, sample_event, sample_voucher

DEFINITION = TriggerDefinition(
    key="birthday_reached",
    noun="Birthday",
    label="Customer Birthday",
    help_text=(
        "Triggers when a customer's birthday comes, at 9:00 at your location, as they get their birthday voucher. "
        "Use it to create a CRM task or send a personal message."
    ),
    sample=sample_event(
        "birthday_reached",
        timestamp="2026-05-11T07:00:00Z",  # 09:00 at a location in Berlin (CEST)
        voucher=sample_voucher("v_559", "birthday", "BDAY7K2M", "issued"),
    ),
    output_fields=VOUCHER_EVENT_FIELDS,
    filters=(CARD_TEMPLATE_FILTER,),
)
