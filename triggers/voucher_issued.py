"""A voucher was issued to a customer (a reward, a birthday gift, a lottery prize or a custom one)."""

from __future__ import annotations

from chalicelib.contract.definitions import TriggerDefinition
from triggers._event_parts import CARD_TEMPLATE_FILTER, VOUCHER_EVENT_FIELDS, VOUCHER_TYPE_FILTER, sample_event, sample_voucher

DEFINITION = TriggerDefinition(
    key="voucher_issued",
    noun="Voucher",
    label="Voucher Issued",
    help_text=(
        "Triggers when a customer receives any voucher: a reward, a birthday gift, a lottery prize or one you issued. "
        "Use it to email the redeem code or log it."
    ),
    sample=sample_event(
        "voucher_issued",
        voucher=sample_voucher("v_557", "voucher", "SUMMER25", "issued", formats=("text", "qr")),
    ),
    output_fields=VOUCHER_EVENT_FIELDS,
    filters=(
        VOUCHER_TYPE_FILTER,
        CARD_TEMPLATE_FILTER,
    ),
    aliases=("voucher_diterbitkan",),
)
