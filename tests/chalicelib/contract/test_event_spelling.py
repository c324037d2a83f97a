from __future__ import annotations

import pytest

from chalicelib.contract.event_spelling import canonical, inbound, suggest
from chalicelib.errors import ValidationFailed


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("kartu_diterbitkan", "card_issued"),
        ("스탬프_added", "stamp_added"),
        ("voucher_ditebus", "voucher_redeemed"),
        ("Stamp-Added", "stamp_added"),
        ("voucher_redemed", "voucher_redeemed"),
        ("birthday", "birthday_reached"),
    ],
)
def test_mangled_names_get_the_canonical_suggestion(typed, meant):
    assert suggest(typed) == meant
    with pytest.raises(ValidationFailed) as caught:
        canonical(typed)
    assert caught.value.fields["suggestion"] == meant
    assert meant in caught.value.message


def test_canonical_names_pass_and_nonsense_gets_no_guess():
    assert canonical("any") == "any"
    assert suggest("zzz") is None


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("stamp_added", "stamp_added"),
        ("STAMP_ADDED", "stamp_added"),
        ("Voucher_Redeemed", "voucher_redeemed"),
        ("ｓｔａｍｐ＿ａｄｄｅｄ", "stamp_added"),  # fullwidth: NFKC makes it the key
        ("STAMP_ADDE\u1e0a", "STAMP_ADDE\u1e0a"),  # a dotted D: folded it is not the key
        ("stamp\u200b_added", "stamp\u200b_added"),  # a zero-width space: not guessed away
        ("kartu_diterbitkan", "kartu_diterbitkan"),  # an alias is a caller's help, not an inbound name
        ("ANY", "ANY"),  # the pseudo-event of "every event" is no event's name
        ("table_booked", "table_booked"),  # a name 7stamp may add later: kept as sent
    ],
)
def test_inbound_names_are_the_key_after_nfkc_and_case_folding_else_as_sent(sent, stored):
    assert inbound(sent) == stored
