"""A ``Retry-After`` header, read strictly, for subscribers' answers and 7stamp's alike."""

from __future__ import annotations

import email.utils
import math
from datetime import UTC

MAX_VALUE = 64  # characters: a longer value is no real server's


def seconds(value: str | None, now: float, cap: int) -> int | None:
    """A Retry-After as seconds from ``now`` (wall clock), read strictly; None for anything else.

    RFC 9110 allows delay-seconds (ASCII digits) or an HTTP-date. A date already past, a
    value longer than any real one, digits outside ASCII (``²``) or anything unparsable
    is ignored: the caller's own schedule applies. At most ``cap`` seconds.
    """
    text = (value or "").strip()
    if not text or len(text) > MAX_VALUE:
        return None
    if text.isascii() and text.isdigit():
        return min(int(text), cap)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # an HTTP-date is always GMT
    left = when.timestamp() - now
    return min(math.ceil(left), cap) if left > 0 else None
