"""Cursor pagination for every list: newest first; the cursor marks the last item shown, so new items never shift a page."""

from __future__ import annotations

import base64
import binascii
import copy
from collections.abc import Callable, Iterable
from typing import Any

from .validation import Fields

Obj = dict[str, Any]


def paginate(
    items: Iterable[Obj],
    position: Callable[[Obj], int],
    fields: Fields,
    view: Callable[[Obj], Obj] = copy.deepcopy,
) -> Obj:
    """`{"data", "next_cursor"}` for `?limit=1..100` (default 20) and `?cursor=`; `position` is creation order."""
    limit = fields.integer("limit", 1, 100, default=20)
    cursor = fields.text("cursor")
    before = None if cursor is None else _decode(cursor)
    if cursor is not None and before is None:
        fields.fail("cursor", "is not a cursor this API returned.")
    fields.done()
    assert limit is not None
    ordered = sorted(items, key=position, reverse=True)
    if before is not None:
        ordered = [obj for obj in ordered if position(obj) < before]
    page = ordered[:limit]
    return {
        "data": [view(obj) for obj in page],
        "next_cursor": _encode(position(page[-1])) if len(ordered) > limit else None,
    }


def _encode(position: int) -> str:
    return base64.urlsafe_b64encode(f"after:{position}".encode()).decode().rstrip("=")


def _decode(cursor: str) -> int | None:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    prefix, _, number = text.partition(":")
    return int(number) if prefix == "after" and number.isdigit() else None
