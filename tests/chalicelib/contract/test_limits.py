"""The contract's numbers and formats (contract/limits.py): each compiled pattern is its published one, and the bounds agree."""

from __future__ import annotations

import re

from chalicelib.contract import limits


def test_compiled_patterns_are_the_published_ones() -> None:
    assert limits.API_KEY_RE.pattern == limits.API_KEY_PATTERN
    assert limits.EVENT_ID_RE.pattern == limits.EVENT_ID_PATTERN


def test_an_event_name_filter_takes_names_up_to_the_inbound_limit_and_no_longer() -> None:
    pattern = re.compile(limits.EVENT_NAME_PATTERN)
    assert pattern.fullmatch("a" * limits.EVENT_NAME_MAX) and not pattern.fullmatch("a" * (limits.EVENT_NAME_MAX + 1))
    assert pattern.fullmatch("voucher.redeemed_2") and not pattern.fullmatch("Stamp Added") and not pattern.fullmatch("_x")


def test_the_bounds_are_consistent() -> None:
    assert limits.POLL_LIMIT_MIN <= limits.POLL_LIMIT_DEFAULT <= limits.POLL_LIMIT_MAX
    assert limits.MAX_BODY_BYTES < limits.EVENT_ITEM_MAX_BYTES < 400 * 1024  # a body that passes fits DynamoDB's item limit
    assert re.fullmatch(limits.API_KEY_PATTERN, "7loc_sc_" + "a" * 16) and not re.fullmatch(limits.API_KEY_PATTERN, "7loc_sc_" + "a" * 15)
