"""Receipt cursors and the times the API shows: a time and its cursor round-trip, and ``since`` takes an id or a time."""

from __future__ import annotations

import pytest

from chalicelib.contract.cursors import cursor_at, iso, seconds_of, since_cursor
from chalicelib.errors import ValidationFailed


def test_a_cursor_sorts_by_time_and_gives_its_time_back() -> None:
    early, late = cursor_at(1_700_000_000.25), cursor_at(1_700_000_001.0)
    assert early < late and seconds_of(early) == 1_700_000_000.25
    assert iso(1_700_000_000.9) == "2023-11-14T22:13:20Z"


def test_since_takes_a_time_with_or_without_zone_and_an_early_time_means_everything() -> None:
    assert since_cursor("2023-11-14T22:13:20Z") == cursor_at(1_700_000_000)
    assert since_cursor("2023-11-14T23:13:20+01:00") == cursor_at(1_700_000_000)
    assert since_cursor("2023-11-14T22:13:20") == cursor_at(1_700_000_000)
    assert since_cursor("1900-01-01T00:00:00Z") == cursor_at(0)


@pytest.mark.parametrize("bad", ["yesterday", "", "x" * 101, 12, None, ["2023-11-14T22:13:20Z"]])
def test_anything_else_is_a_422_naming_the_field(bad: object) -> None:
    with pytest.raises(ValidationFailed) as refused:
        since_cursor(bad, field="after")
    assert refused.value.fields == {"after": "is not an event id or a time"}
