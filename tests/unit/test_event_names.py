from __future__ import annotations

import pytest

from chalicelib.contract.event_names import canonical, suggest
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
