"""7stamp issued the reward voucher for a completed card goal."""

from __future__ import annotations

from chalicelib.definitions import TriggerDefinition
from triggers._common import CARD_FIELDS, CARD_TEMPLATE_FILTER, EVENT_FIELDS, VOUCHER_FIELDS, sample_event

DEFINITION = TriggerDefinition(
    key="reward_issued",
    noun="Reward",
    label="Reward Issued",
    help_text=(
        "Triggers when a customer earns the reward for a completed card and 7stamp gives it "
        "to them as a voucher with a redeem code. Use it to text the customer their code or "
        "add a \"reward waiting\" tag in Mailchimp."
    ),
    sample=sample_event(
        "reward_issued",
        card={
            "id": "card_001",
            "template_id": "ct_coffee",
            "goal_index": 2,
            "stamps": 0,
            "stamps_required": 10,
        },
        voucher={
            "id": "v_556",
            "type": "reward",
            "redeem_code": "K7M2QX9P",
            "redeem_code_formats": ["text", "qr", "barcode"],
            "status": "issued",
            "redeemed_via": None,
        },
    ),
    output_fields=EVENT_FIELDS + CARD_FIELDS + VOUCHER_FIELDS,
    filters=(CARD_TEMPLATE_FILTER,),
    aliases=("hadiah_diterbitkan",),
)
