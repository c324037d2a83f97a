"""The event store as intake, fan-out and polling use it: dedup, ids and cursors, tenants apart, ``since`` never skipping."""

from __future__ import annotations

import json

import pytest
from unit_support import ManualClock

from chalicelib.container import Services
from chalicelib.contract.limits import EVENT_ID_RE, EVENT_ITEM_MAX_BYTES
from chalicelib.errors import ItemTooLarge
from chalicelib.store.events import (
    AWAIT_BLOCKS_SECONDS,
    HORIZON_SECONDS,
    LATE_SECONDS,
    cursor_of,
    event_id_for,
    id_of,
    landed_late,
    received_at,
)


def store(services: Services, n: int, *, location_id: str = "loc_a", event: str = "stamp_added", awaiting: bool = False) -> str:
    """Store event ``n`` (its own dedup key and digest); its id."""
    record = {"event": event, "location_id": location_id, "n": n}
    event_id, new = services.events.put_new(location_id, f"wh_{n}", f"d{n:04d}", record, awaiting=awaiting)
    assert new
    return event_id


def ns(texts: list) -> list[int]:
    return [json.loads(t.text)["n"] for t in texts]


def test_an_id_and_its_cursor_lead_to_each_other() -> None:
    event_id, cursor = event_id_for(1_800_000_000_123, "abc123")
    assert EVENT_ID_RE.match(event_id)
    assert cursor_of(event_id) == cursor and id_of(cursor) == event_id
    assert received_at(cursor) == 1_800_000_000.123


@pytest.mark.parametrize(
    "event_id", ["", "evt", "evt_1", "evt__abc", "evt_12a_abc", "evt_1_", "evt_1_a_b", "evt_1_a-b", "xvt_1_abc", "evt_-1_abc"]
)
def test_an_id_that_is_not_ours_has_no_cursor(event_id: str) -> None:
    assert cursor_of(event_id) is None


def test_a_write_is_late_only_past_the_bound() -> None:
    _, cursor = event_id_for(1_800_000_000_000, "d")
    assert not landed_late(cursor, 1_800_000_000 + LATE_SECONDS)
    assert landed_late(cursor, 1_800_000_000 + LATE_SECONDS + 0.01)


def test_a_new_event_gets_its_id_from_the_clock_and_keeps_it_in_its_body(services: Services, clock: ManualClock) -> None:
    event_id = store(services, 1)
    assert event_id == event_id_for(int(clock.now() * 1000), "d0001")[0]
    stored = services.events.get("loc_a", "wh_1")
    assert stored is not None
    assert stored.record == {"event": "stamp_added", "location_id": "loc_a", "n": 1, "id": event_id}
    assert (stored.location_id, stored.name, stored.cursor) == ("loc_a", "stamp_added", cursor_of(event_id))


def test_a_duplicate_keeps_the_first_id_and_is_not_new(services: Services, clock: ManualClock) -> None:
    first = store(services, 1)
    clock.advance(30)
    again, new = services.events.put_new("loc_a", "wh_1", "other", {"event": "stamp_added", "n": 2}, awaiting=False)
    assert (again, new) == (first, False)
    stored = services.events.get("loc_a", "wh_1")
    assert stored is not None and stored.record["n"] == 1


def test_the_same_dedup_key_at_another_location_is_another_event(services: Services) -> None:
    store(services, 1, location_id="loc_a")
    _, new = services.events.put_new("loc_b", "wh_1", "d0001", {"event": "stamp_added", "location_id": "loc_b", "n": 1})
    assert new


def test_an_event_too_large_to_store_is_refused_before_any_write(services: Services) -> None:
    record = {"event": "stamp_added", "blob": "x" * EVENT_ITEM_MAX_BYTES}
    with pytest.raises(ItemTooLarge):
        services.events.put_new("loc_a", "wh_big", "dbig", record)
    assert services.events.get("loc_a", "wh_big") is None


def test_a_missing_event_is_none(services: Services) -> None:
    assert services.events.get("loc_a", "wh_none") is None


def test_recent_is_newest_first_per_tenant_and_event_without_awaiting_ones(services: Services, clock: ManualClock) -> None:
    for n in range(1, 5):
        store(services, n, event="stamp_added" if n % 2 else "reward_redeemed")
        clock.advance(1)
    store(services, 6, location_id="loc_b")
    assert ns(services.events.recent("loc_a", None, 10)) == [4, 3, 2, 1]
    assert ns(services.events.recent("loc_a", None, 2)) == [4, 3]
    assert ns(services.events.recent("loc_a", "stamp_added", 10)) == [3, 1]
    assert ns(services.events.recent("loc_c", None, 10)) == []
    store(services, 5, awaiting=True)
    assert ns(services.events.recent("loc_a", None, 10)) == [4, 3, 2, 1]
    # "the newest ``limit`` events, leaving out any awaiting": the awaiting one takes a place of the limit
    assert ns(services.events.recent("loc_a", None, 2)) == [4]


def test_since_stops_at_the_horizon(services: Services, clock: ManualClock) -> None:
    start = services.events.horizon()
    store(services, 1)
    assert services.events.since("loc_a", None, start, 10) == []  # too new: a write before it might still land
    clock.advance(HORIZON_SECONDS + 1)
    assert ns(services.events.since("loc_a", None, start, 10)) == [1]


def test_since_takes_the_oldest_first_and_answers_them_newest_first(services: Services, clock: ManualClock) -> None:
    start = services.events.horizon()
    for n in range(1, 6):
        store(services, n)
        clock.advance(1)
    clock.advance(HORIZON_SECONDS)
    page = services.events.since("loc_a", None, start, 3)
    assert ns(page) == [3, 2, 1]
    assert ns(services.events.since("loc_a", None, page[0].cursor, 3)) == [5, 4]  # the next page, nothing skipped or repeated


def test_since_is_cut_before_an_event_awaiting_enrichment_until_it_waited_too_long(services: Services, clock: ManualClock) -> None:
    start = services.events.horizon()
    store(services, 1)
    clock.advance(1)
    store(services, 2, awaiting=True)
    clock.advance(1)
    store(services, 3)
    clock.advance(HORIZON_SECONDS)
    assert ns(services.events.since("loc_a", None, start, 10)) == [1]
    clock.advance(AWAIT_BLOCKS_SECONDS)
    assert ns(services.events.since("loc_a", None, start, 10)) == [3, 2, 1]


def test_a_released_event_is_stored_enriched_once(services: Services, clock: ManualClock) -> None:
    start = services.events.horizon()
    store(services, 1, awaiting=True)
    enriched = {"event": "stamp_added", "location_id": "loc_a", "n": 1, "customer": {"name": "Zoë"}}
    assert services.events.release("loc_a", "wh_1", enriched)
    assert not services.events.release("loc_a", "wh_1", {"event": "stamp_added", "n": 99})
    stored = services.events.get("loc_a", "wh_1")
    assert stored is not None and stored.record == enriched and not stored.awaiting
    clock.advance(HORIZON_SECONDS + 1)
    assert ns(services.events.since("loc_a", None, start, 10)) == [1]


def test_an_event_never_awaiting_or_missing_is_not_released(services: Services) -> None:
    store(services, 1)
    assert not services.events.release("loc_a", "wh_1", {"event": "stamp_added"})
    assert not services.events.release("loc_a", "wh_missing", {"event": "stamp_added"})
    assert services.events.get("loc_a", "wh_missing") is None


def test_a_late_event_moves_once_to_a_fresh_cursor(services: Services, clock: ManualClock) -> None:
    event_id = store(services, 1)
    stale = services.events.get("loc_a", "wh_1")
    assert stale is not None
    clock.advance(LATE_SECONDS * 2)
    moved = services.events.move(stale)
    assert moved is not None and moved > stale.cursor and moved.split("#")[1] == stale.cursor.split("#")[1]
    assert services.events.move(stale) is None  # a stream batch handled again
    now = services.events.get("loc_a", "wh_1")
    assert now is not None and now.cursor == moved and now.moved
    assert now.record["id"] == event_id  # what subscribers got stays


def test_settled_pages_backwards_older_than_the_horizon(services: Services, clock: ManualClock) -> None:
    for n in range(1, 6):
        store(services, n)
        clock.advance(1)
    assert services.events.settled("loc_a", None, None, 10) == ([], None)
    clock.advance(HORIZON_SECONDS)
    page, before = services.events.settled("loc_a", None, None, 2)
    assert ns(page) == [5, 4] and before == page[-1].cursor
    page, before = services.events.settled("loc_a", None, before, 2)
    assert ns(page) == [3, 2]
    page, _ = services.events.settled("loc_a", None, before, 2)
    assert ns(page) == [1]


def test_settled_holds_back_what_is_newer_than_an_awaiting_event(services: Services, clock: ManualClock) -> None:
    store(services, 1)
    clock.advance(1)
    store(services, 2, awaiting=True)
    clock.advance(1)
    store(services, 3)
    clock.advance(HORIZON_SECONDS)
    page, _ = services.events.settled("loc_a", None, None, 10)
    assert ns(page) == [1]
    page, _ = services.events.settled("loc_b", None, None, 10)
    assert page == []


def test_the_stream_image_and_keys_lead_to_the_same_event(services: Services, aws_env: dict[str, str]) -> None:
    store(services, 1)
    db = services.aws.client("dynamodb")
    item = db.get_item(TableName=aws_env["EVENTS_TABLE"], Key={"pk": {"S": "loc_a"}, "sk": {"S": "wh_1"}})["Item"]
    assert services.events.from_stream(item) == services.events.get("loc_a", "wh_1")
    assert services.events.get_by_stream_keys({"pk": item["pk"], "sk": item["sk"]}) == services.events.get("loc_a", "wh_1")
