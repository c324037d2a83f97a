"""7stamp issued the reward voucher for a completed card goal."""

from __future__ import annotations

from chalicelib.contract.definitions import TriggerDefinition
from triggers._event_parts import CARD_TEMPLATE_FILTER, COMPLETED_CARD, VOUCHER_EVENT_FIELDS, sample_event, sample_voucher

DEFINITION = TriggerDefinition(
    key="reward_issued",
    noun="Reward",
    label="Reward Issued",
    help_text=(
        "Triggers when a customer earns the reward for a completed card, as a voucher with a redeem code. "
        "Use it to text them the code or tag the contact."
    ),
    sample=sample_event(
        "reward_issued",
        card=COMPLETED_CARD,
        voucher=sample_voucher("v_556", "reward", "K7M2QX9P", "issued"),
    ),
    output_fields=VOUCHER_EVENT_FIELDS,
    filters=(CARD_TEMPLATE_FILTER,),
    aliases=("hadiah_diterbitkan",),
)
