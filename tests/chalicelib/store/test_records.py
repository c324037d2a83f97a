"""A stored event's text decodes to its record, and one that cannot be decoded is None, never an error."""

from __future__ import annotations

import pytest

from chalicelib.store.records import EventText


def test_a_stored_text_decodes_to_its_record() -> None:
    assert EventText("0001#a", '{"id": "evt_1", "event": "stamp_added"}', False).record() == {"id": "evt_1", "event": "stamp_added"}


@pytest.mark.parametrize("text", ["", "not json", "[1, 2]", '"text"', "[" * 100_000 + "]" * 100_000, '{"a": '])
def test_a_text_that_is_no_record_is_none(text: str) -> None:
    assert EventText("0001#a", text, False).record() is None
