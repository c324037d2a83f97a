"""The 13 webhook events of the 7stamp contract, in the contract's order: written once for the tests that check
the sandbox and the trigger definitions against the contract rather than against each other."""

from __future__ import annotations

CONTRACT_EVENTS: tuple[str, ...] = (
    "card_issued",
    "card_saved",
    "card_opened",
    "stamp_added",
    "goal_reached",
    "reward_issued",
    "voucher_issued",
    "voucher_redeemed",
    "voucher_expired",
    "lottery_played",
    "birthday_reached",
    "inactivity_trigger",
    "campaign_sent",
)
