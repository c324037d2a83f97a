"""A customer's voucher expired without being redeemed."""

from __future__ import annotations

from chalicelib.contract.definitions import TriggerDefinition
from triggers._event_parts import CARD_TEMPLATE_FILTER, VOUCHER_EVENT_FIELDS, VOUCHER_TYPE_FILTER, sample_event, sample_voucher

DEFINITION = TriggerDefinition(
    key="voucher_expired",
    noun="Expired voucher",
    label="Voucher Expired",
    help_text=(
        "Triggers when a customer's voucher or reward expires unused. "
        'Use it to send a "we miss you" offer or log the unused voucher for your monthly report.'
    ),
    sample=sample_event(
        "voucher_expired",
        voucher=sample_voucher("v_558", "voucher", "H4RT8WNZ", "expired"),
    ),
    output_fields=VOUCHER_EVENT_FIELDS,
    filters=(
        VOUCHER_TYPE_FILTER,
        CARD_TEMPLATE_FILTER,
    ),
)
