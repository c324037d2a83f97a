"""A customer's voucher expired without being redeemed."""

from __future__ import annotations

from chalicelib.definitions import Filter, TriggerDefinition
from triggers._common import CARD_FIELDS, CARD_TEMPLATE_FILTER, EVENT_FIELDS, VOUCHER_FIELDS, sample_event

DEFINITION = TriggerDefinition(
    key="voucher_expired",
    noun="Expired voucher",
    label="Voucher Expired",
    help_text=(
        "Triggers when a customer's voucher or reward expires before they used it. Use it to "
        "send a \"we miss you\" offer or log the unused voucher in a sheet for your monthly report."
    ),
    sample=sample_event(
        "voucher_expired",
        voucher={
            "id": "v_558",
            "type": "voucher",
            "redeem_code": "H4RT8WNZ",
            "redeem_code_formats": ["text", "qr", "barcode"],
            "status": "expired",
            "redeemed_via": None,
        },
    ),
    output_fields=EVENT_FIELDS + CARD_FIELDS + VOUCHER_FIELDS,
    filters=(
        Filter("voucher_type", "Voucher type", "voucher.type", ("voucher", "reward", "birthday", "lottery_prize")),
        CARD_TEMPLATE_FILTER,
    ),
)
