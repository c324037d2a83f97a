"""A voucher was redeemed (at the counter, through a POS or the API)."""

from __future__ import annotations

from chalicelib.contract.definitions import Filter, TriggerDefinition
from triggers._event_parts import CARD_TEMPLATE_FILTER, VOUCHER_EVENT_FIELDS, VOUCHER_TYPE_FILTER, sample_event, sample_voucher

DEFINITION = TriggerDefinition(
    key="voucher_redeemed",
    noun="Redeemed voucher",
    label="Voucher Redeemed",
    help_text=(
        "Triggers when a customer redeems a voucher or reward, scanned by staff, at a POS or through the API. "
        "Use it to tag the contact or log the redemption."
    ),
    sample=sample_event(
        "voucher_redeemed",
        voucher=sample_voucher("v_555", "voucher", "FREECOFFEE", "redeemed", redeemed_via="staff_scanner"),
    ),
    output_fields=VOUCHER_EVENT_FIELDS,
    filters=(
        VOUCHER_TYPE_FILTER,
        Filter(
            "redeemed_via",
            "Redeemed via",
            "voucher.redeemed_via",
            ("staff_scanner", "api", "pos"),
            help="Only redemptions made this way; leave empty for every way.",
        ),
        CARD_TEMPLATE_FILTER,
    ),
    aliases=("voucher_ditebus",),
)
