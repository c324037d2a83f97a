"""`since` never skips, whatever the store's latency: a write that lands after the connector gave up on it.

The cause of the one event a `since` poller missed (issue 17): the inbound call takes the
event's cursor, its write is slow, the connector's client times out and answers 7stamp 502,
and the write lands afterwards, at a cursor older than the horizon a poller has already
passed; 7stamp's retry is then a duplicate. Here moto holds that write until the connector
has given up and the poller has moved past its cursor.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from event_support import connected, event_body, signed_post, subscribe

from chalicelib import aws
from chalicelib.pipeline import handlers, intake
from chalicelib.store import events
from chalicelib.store.events import HORIZON_SECONDS, LATE_SECONDS
from sandbox import DEMO_KEY_A


@contextmanager
def held_writes(marker: str) -> Iterator[threading.Event]:
    """moto holds every PutItem whose body names ``marker`` until the event yielded is set (bounded: 60 s)."""
    from moto.dynamodb.responses import DynamoHandler

    release = threading.Event()
    real = DynamoHandler.put_item

    def put_item(self):  # type: ignore[no-untyped-def]
        if marker in str(self.body):  # moto has parsed the request by now
            release.wait(60)
        return real(self)

    DynamoHandler.put_item = put_item
    try:
        yield release
    finally:
        release.set()
        DynamoHandler.put_item = real


def wait_stored(stack, location_id: str, count: int) -> None:
    """Until the location holds ``count`` events (bounded)."""
    for _ in range(200):
        if len(stack.services.events.recent(location_id, None, 100)) >= count:
            return
        threading.Event().wait(0.05)
    raise AssertionError(f"{count} events were not stored")


def test_a_write_that_lands_after_the_connector_gave_up_still_reaches_a_since_poller(stack, clock, receiver, monkeypatch):
    # time scaled down: the connector gives up after 1 s (2 attempts), and a write landing 1 s after its cursor is late
    monkeypatch.setattr(aws, "BOUNDED", {**aws.BOUNDED, "connect_timeout": 1, "read_timeout": 1})
    monkeypatch.setattr(events, "LATE_SECONDS", 1.0)
    connection = connected(stack)
    late_body = event_body().replace("card_demo_a", "card_late")
    with stack.client(DEMO_KEY_A) as c:
        subscribe(c, "card_opened", receiver.url)
        cursor = c.get("/v1/triggers/any", params={"limit": 1}).headers["X-Next-Cursor"]
        seen: list[str] = []

        def poll() -> None:
            nonlocal cursor
            page = c.get("/v1/triggers/any", params={"since": cursor})
            assert page.status_code == 200
            seen.extend(e["id"] for e in reversed(page.json()))
            cursor = page.headers["X-Next-Cursor"]

        with held_writes("card_late") as release:
            gave_up = signed_post(stack, connection, late_body, "msg_late")
            assert gave_up.status_code >= 500  # the connector's client timed out: 7stamp will try again
            later = signed_post(stack, connection, event_body().replace("card_demo_a", "card_after"), "msg_after")
            assert later.status_code == 200
            stack.settle()  # a prompt write: fan-out leaves its cursor as it is
            clock.advance(HORIZON_SECONDS + 5)
            poll()
            assert seen == [later.json()["id"]]  # the poller is past the late event's cursor now
            release.set()
            wait_stored(stack, connection.location_id, 2)  # the held write lands, at its old cursor

        retried = signed_post(stack, connection, late_body, "msg_late")  # 7stamp's retry: a duplicate
        assert retried.status_code == 200
        late_id = retried.json()["id"]
        stack.settle()  # fan-out sees the late landing in the stream and gives the event a fresh cursor
        clock.advance(HORIZON_SECONDS + 1)
        poll()
    assert seen == [later.json()["id"], late_id]
    cards = sorted(json.loads(d.body)["card"]["id"] for d in receiver.wait_for(2, 10))
    assert cards == ["card_after", "card_late"]  # each delivered once: the move is not fanned out again


def test_a_prompt_write_read_late_from_the_stream_keeps_its_cursor(stack, clock):
    """A stream read long after a prompt write (a backlog) does not move the event: its landing time counts, not fan-out's."""
    connection = connected(stack)
    answer = signed_post(stack, connection, event_body(), "msg_prompt")
    assert answer.status_code == 200
    clock.advance(LATE_SECONDS + HORIZON_SECONDS)
    stack.settle()
    with stack.client(DEMO_KEY_A) as c:
        [polled] = c.get("/v1/triggers/any").json()
    assert polled["id"] == answer.json()["id"]
    [stored] = stack.services.events.recent(connection.location_id, None, 10)
    assert events.id_of(stored.cursor) == answer.json()["id"]


def test_a_stalled_write_and_a_late_move_are_moved_again_and_a_stale_record_changes_nothing(stack, clock):
    """The stream's landing time alone decides: a worker that stalled before its write, or a move that landed late itself."""
    connection = connected(stack)
    assert signed_post(stack, connection, event_body(), "msg_stalled").status_code == 200
    stack.settle()
    key = intake.dedup_key("msg_stalled", {})
    dynamodb = stack.services.aws.client("dynamodb")

    def image() -> dict:
        item = {"pk": {"S": connection.location_id}, "sk": {"S": key}}
        return dynamodb.get_item(TableName=stack.services.settings.events_table, Key=item)["Item"]

    def handle(name: str, record: dict, after: float) -> None:
        landed = events.received_at(record["ts"]["S"]) + after
        assert handlers.fan_out_records(stack.services, [("1", name, record, landed)]) == {"batchItemFailures": []}

    first = image()
    clock.advance(1)
    handle("INSERT", first, LATE_SECONDS + 20)  # a worker stalled between taking the cursor and writing
    moved = image()
    assert moved["ts"]["S"] > first["ts"]["S"] and moved["moved"] == moved["ts"]
    clock.advance(1)
    handle("MODIFY", moved, LATE_SECONDS + 20)  # the move's own write landed late: moved again
    again = image()
    assert again["ts"]["S"] > moved["ts"]["S"]
    clock.advance(1)
    handle("MODIFY", again, 0.1)  # a move that landed in time stays
    handle("INSERT", first, LATE_SECONDS + 20)  # the first record handled again (a retried batch): its move is stale
    assert image()["ts"] == again["ts"]
    with stack.client(DEMO_KEY_A) as c:
        clock.advance(HORIZON_SECONDS)
        assert [e["id"] for e in c.get("/v1/triggers/any").json()] == [json.loads(first["body"]["S"])["id"]]  # the id stays
