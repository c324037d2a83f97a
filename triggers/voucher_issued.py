"""A voucher was issued to a customer (a reward, a birthday gift, a lottery prize or a custom one)."""

from __future__ import annotations

from chalicelib.definitions import Filter, TriggerDefinition
from triggers._common import CARD_FIELDS, CARD_TEMPLATE_FILTER, EVENT_FIELDS, VOUCHER_FIELDS, sample_event

DEFINITION = TriggerDefinition(
    key="voucher_issued",
    noun="Voucher",
    label="Voucher Issued",
    help_text=(
        "Triggers when a customer receives any voucher: a reward for a full card, a birthday "
        "gift, a lottery prize or a voucher you issued yourself. Use it to email the redeem "
        "code to the customer or record the voucher in your CRM."
    ),
    sample=sample_event(
        "voucher_issued",
        voucher={
            "id": "v_557",
            "type": "voucher",
            "redeem_code": "SUMMER25",
            "redeem_code_formats": ["text", "qr"],
            "status": "issued",
            "redeemed_via": None,
        },
    ),
    output_fields=EVENT_FIELDS + CARD_FIELDS + VOUCHER_FIELDS,
    filters=(
        Filter("voucher_type", "Voucher type", "voucher.type", ("voucher", "reward", "birthday", "lottery_prize")),
        CARD_TEMPLATE_FILTER,
    ),
    aliases=("voucher_diterbitkan",),
)
