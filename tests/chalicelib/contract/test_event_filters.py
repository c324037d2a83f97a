"""The one filter rule fan-out and polling share."""

from __future__ import annotations

import pytest

from chalicelib.contract import event_filters
from chalicelib.errors import ValidationFailed
from chalicelib.store.records import Subscription
from triggers._event_parts import sample_event

STAMP = sample_event("stamp_added")  # card.template_id is ct_coffee


def test_a_record_passes_when_each_filter_holds_one_of_the_wanted_values() -> None:
    assert event_filters.passes("stamp_added", {}, STAMP)
    assert event_filters.passes("stamp_added", {"card_template_id": ["ct_lunch", "ct_coffee"]}, STAMP)
    assert not event_filters.passes("stamp_added", {"card_template_id": ["ct_lunch"]}, STAMP)
    assert not event_filters.passes("stamp_added", {"no_such_filter": ["x"]}, STAMP)
    assert event_filters.passes("any", {"event": ["stamp_added"]}, STAMP)
    assert not event_filters.passes("any", {"event": ["goal_reached"]}, STAMP)


def test_a_missing_path_is_no_match() -> None:
    without_card = {k: v for k, v in STAMP.items() if k != "card"}
    assert event_filters.value_at(without_card, "card.template_id") is None
    assert not event_filters.passes("stamp_added", {"card_template_id": ["ct_coffee"]}, without_card)


def test_a_subscription_wants_an_event_of_its_name_whose_filters_pass() -> None:
    sub = Subscription(
        id="hook_1",
        location_id="loc_45",
        event="stamp_added",
        target_url="https://x.example",
        filters={"card_template_id": ["ct_lunch"]},
        secret="s",
        created_at="t",
    )
    assert not event_filters.wants(sub, "stamp_added", STAMP)
    coffee = Subscription(**{**sub.__dict__, "filters": {"card_template_id": ["ct_coffee"]}})
    assert event_filters.wants(coffee, "stamp_added", STAMP)
    assert not event_filters.wants(coffee, "goal_reached", STAMP)
    assert not event_filters.wants(Subscription(**{**coffee.__dict__, "disabled": True}), "stamp_added", STAMP)


@pytest.mark.parametrize("blank", [None, "", [], [""], [None]])
def test_a_null_or_empty_filter_value_means_no_filter(blank: object) -> None:
    assert event_filters.parse("stamp_added", {"card_template_id": blank}) == {}  # type: ignore[dict-item]
    assert event_filters.parse("any", {"event": blank}) == {}  # type: ignore[dict-item]


def test_bad_filters_are_still_refused_by_name() -> None:
    with pytest.raises(ValidationFailed) as unknown:
        event_filters.parse("stamp_added", {"colour": "red"})
    assert unknown.value.fields is not None and "filters.colour" in unknown.value.fields
    with pytest.raises(ValidationFailed) as choice:
        event_filters.parse("any", {"event": ["stamp_added", "kartu_diterbitkan"]}, prefix="")
    assert choice.value.fields is not None and "event" in choice.value.fields
