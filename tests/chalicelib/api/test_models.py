"""The routes' own models (api/models.py): what their validators take beside the shared input types."""

from __future__ import annotations

import pytest

from chalicelib.api import models
from chalicelib.contract.input_types import parse
from chalicelib.contract.limits import POLL_LIMIT_DEFAULT, POLL_LIMIT_MAX
from chalicelib.errors import ValidationFailed


@pytest.mark.parametrize(
    ("since", "kept"),
    [
        ("evt_1800000000000_ab12", "evt_1800000000000_ab12"),
        ("2026-12-31T23:59:59Z", "2026-12-31T23:59:59Z"),
        ("2027-01-01T01:00:00+02:00", "2026-12-31T23:00:00Z"),
    ],
)
def test_since_takes_an_event_id_or_a_time(since: str, kept: str) -> None:
    replay = parse(models.ReplayRequest, {"since": since})
    assert replay.since == kept  # type: ignore[attr-defined]


@pytest.mark.parametrize("since", ["evt_", "yesterday", "2026-12-31", "evt_1_a-b", ""])
def test_anything_else_is_refused_naming_both_forms(since: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse(models.ReplayRequest, {"since": since})
    assert "evt_" in refused.value.fields["since"] and "date and time" in refused.value.fields["since"]


def test_a_replay_is_a_dry_run_only_when_asked_and_takes_nothing_else() -> None:
    assert parse(models.ReplayRequest, {}).dry_run is False  # type: ignore[attr-defined]
    with pytest.raises(ValidationFailed):
        parse(models.ReplayRequest, {"dry_run": "yes"})
    with pytest.raises(ValidationFailed):
        parse(models.ReplayRequest, {"everything": True})


def test_a_poll_query_ignores_a_platforms_own_parameters_and_bounds_the_limit() -> None:
    query = parse(models.PollQuery, {"zapier_extra": "1"})
    assert query.limit == POLL_LIMIT_DEFAULT  # type: ignore[attr-defined]
    assert parse(models.PollQuery, {"limit": str(POLL_LIMIT_MAX)}).limit == POLL_LIMIT_MAX  # type: ignore[attr-defined]
    for bad in ({"limit": str(POLL_LIMIT_MAX + 1)}, {"samples": "2"}, {"since": "not-an-id"}, {"settled": "true"}):
        with pytest.raises(ValidationFailed):
            parse(models.PollQuery, bad)


def test_the_deliveries_query_checks_status_event_and_page() -> None:
    assert parse(models.DeliveriesQuery, {"status": "failed", "event": "stamp_added"}).status == "failed"  # type: ignore[attr-defined]
    for bad in ({"status": "lost"}, {"event": "Stamp Added"}, {"event": "a" * 101}, {"page": "p" * 201}):
        with pytest.raises(ValidationFailed):
            parse(models.DeliveriesQuery, bad)
