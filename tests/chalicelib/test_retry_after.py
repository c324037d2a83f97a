"""Retry-After read strictly: seconds in ASCII digits or a future HTTP-date, capped; anything else is no value."""

from __future__ import annotations

import datetime
import time

import pytest

from chalicelib import retry_after


@pytest.mark.parametrize(
    "value",
    ["\u00b2", "9" * 5000, "-5", "1.5", "Thu, 01 Jan 1970 00:00:00 GMT", "soon", "\u0663\u0660", "12 34"],
)
def test_a_bad_retry_after_is_ignored(value):
    assert retry_after.seconds(value, time.time(), 86400) is None


def test_retry_after_reads_seconds_and_future_http_dates():
    now = time.time()
    assert retry_after.seconds(" 120 ", now, 86400) == 120
    assert retry_after.seconds("99999999", now, 86400) == 86400
    later = datetime.datetime.fromtimestamp(now + 600, datetime.UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert 598 <= (retry_after.seconds(later, now, 86400) or 0) <= 601
