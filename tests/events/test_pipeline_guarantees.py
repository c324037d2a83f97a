"""Issue 8's guarantees: queued once, replay pages through everything, `since` never skips, poison records parked."""

from __future__ import annotations

import json
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from event_support import connected, event_body, signed_post, subscribe

from chalicelib.contract import event_filters
from chalicelib.pipeline import parked
from chalicelib.store.events import HORIZON_SECONDS
from chalicelib.store.records import Attempt, DeliveryRecord, DeliveryStatus
from sandbox import DEMO_KEY_A, DEMO_LOCATION_A


def queued_messages(stack) -> int:
    attrs = stack.services.aws.client("sqs").get_queue_attributes(QueueUrl=stack.services.queue.url(), AttributeNames=["All"])["Attributes"]
    return sum(
        int(attrs[k])
        for k in ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed")
    )


def test_pending_deliveries_waiting_in_the_queue_are_never_queued_again_by_the_sweeper(stack, clock):
    with stack.client(DEMO_KEY_A) as c:
        hooks = [subscribe(c, "stamp_added", f"http://127.0.0.1:65535/h{i}") for i in range(3)]  # nothing listens there
        for _ in range(4):
            c.post("/v1/actions/add-stamp", json={"card_id": "card_demo_a"})
    stack.sandbox.wait_webhooks_idle(10)
    while stack.worker.pump_stream():
        pass
    sent = queued_messages(stack)
    jobs = 4  # one job per event (the three subscriptions share it)
    assert sent == jobs
    for _ in range(5):
        clock.advance(30)
        stack.worker.sweep()
    assert queued_messages(stack) == jobs
    assert all(stack.services.delivery_log.recent(h["id"], 10) == [] for h in hooks)  # not even written yet: the first claim writes


def make_failed(store, sub_id: str, count: int, start: int, status: DeliveryStatus) -> None:
    def one(i: int) -> None:
        cursor = f"{start + i:015d}#replay"
        d = DeliveryRecord(
            sub_id, DEMO_LOCATION_A, f"m#{cursor}", cursor, f"evt_{start + i}_replay", "stamp_added", DeliveryStatus.PENDING, 0, 0.0
        )
        claimed = store.claim(d, 60, first=True)
        store.finish_many([(claimed, Attempt(1.0, 500, None), status, None)])

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(one, range(count)))


# DynamoDB answers a query a page (1 MB) at a time and filters after the page is cut, so a replay must follow every page.
# moto holds this test's deliveries in pages of PAGE_BYTES instead: about forty records a page, where 1 MB would hold
# them all, so a couple of hundred cross several pages (the 1,200 behind 550 fit in one of moto's 1 MB pages).
PAGE_BYTES = 12 * 1024
DELIVERED = 55  # newer than the failed ones, so read first: more than a page of them, none to replay
FAILED = 123  # over two pages, several rounds of the store's REOPEN_CONCURRENCY, and SQS batches of ten with a short last one


def test_replay_reopens_every_failed_delivery_across_pages_behind_a_page_of_delivered(stack, receiver, monkeypatch):
    from moto.dynamodb.models import table as moto_table

    monkeypatch.setattr(moto_table, "RESULT_SIZE_LIMIT", PAGE_BYTES)  # moto serves the tests in this process
    with stack.client(DEMO_KEY_A) as c:
        hook = subscribe(c, "stamp_added", receiver.url)
        store = stack.services.deliveries
        make_failed(store, hook["id"], DELIVERED, 2_000_000, DeliveryStatus.DELIVERED)
        make_failed(store, hook["id"], FAILED, 1_000_000, DeliveryStatus.FAILED)
        first_page = stack.services.aws.client("dynamodb").query(
            TableName=stack.env["DELIVERIES_TABLE"],
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": hook["id"]}},
            ScanIndexForward=False,
        )
        per_page = first_page["Count"]
        assert "LastEvaluatedKey" in first_page and DELIVERED > per_page and FAILED > 2 * per_page  # the layout crosses pages
        # the console's dry run counts what the replay reopens (both page through every record)
        assert c.post(f"/v1/hooks/{hook['id']}/replay", json={"dry_run": True}, timeout=120).json() == {
            "would_replay": FAILED,
            "waiting": 0,
        }
        answer = c.post(f"/v1/hooks/{hook['id']}/replay", json={}, timeout=120)
        assert answer.status_code == 200
        assert answer.json() == {"replayed": FAILED, "waiting": 0}
        assert queued_messages(stack) == FAILED
        # reopened and queued, not sent yet: nothing failed is left, and the answer says they are on their way
        assert c.post(f"/v1/hooks/{hook['id']}/replay", json={}, timeout=120).json() == {"replayed": 0, "waiting": FAILED}


def test_a_since_poller_sees_every_event_of_20_concurrent_writers_once(stack, clock):
    connection = connected(stack)
    writers, per_writer = 20, 6
    stop = threading.Event()
    seen: list[str] = []

    def write(w: int) -> list[str]:
        ids = []
        for i in range(per_writer):
            answer = signed_post(stack, connection, event_body(event="card_opened").replace("card_demo_a", f"card_{w}_{i}"), f"msg_{w}_{i}")
            assert answer.status_code == 200, answer.text
            ids.append(answer.json()["id"])
        return ids

    def poll() -> None:
        with stack.client(DEMO_KEY_A) as c:
            cursor = c.get("/v1/triggers/any", params={"limit": 1}).headers["X-Next-Cursor"]
            for _ in range(2000):
                clock.advance(1.0)  # the store's clock runs fast: the horizon moves while writers write
                page = c.get("/v1/triggers/any", params={"since": cursor, "limit": 5})
                assert page.status_code == 200
                seen.extend(e["id"] for e in reversed(page.json()))
                cursor = page.headers["X-Next-Cursor"]
                if stop.is_set() and len(seen) >= writers * per_writer:
                    return  # (an event awaiting enrichment holds the poller back until released or AWAIT_BLOCKS_SECONDS)

    poller = threading.Thread(target=poll)
    poller.start()
    with ThreadPoolExecutor(max_workers=writers) as pool:
        stored = [i for ids in pool.map(write, range(writers)) for i in ids]
    clock.advance(HORIZON_SECONDS)
    stop.set()
    poller.join(timeout=120)
    assert sorted(seen) == sorted(stored)
    assert len(seen) == len(set(seen)) == writers * per_writer


def test_a_record_that_makes_fan_out_raise_is_parked_and_the_events_after_it_are_delivered(stack, receiver, monkeypatch):
    real_wants = event_filters.wants

    def wants(sub, event, record):
        if record.get("card", {}).get("id") == "card_poison":
            raise RuntimeError("this record cannot be fanned out")
        return real_wants(sub, event, record)

    monkeypatch.setattr(event_filters, "wants", wants)
    connection = connected(stack)
    with stack.client(DEMO_KEY_A) as c:
        subscribe(c, "card_opened", receiver.url)
    bodies = [event_body().replace("card_demo_a", card) for card in ("card_1", "card_poison", "card_2", "card_3")]
    for i, body in enumerate(bodies):
        assert signed_post(stack, connection, body, f"msg_p{i}").status_code == 200
    stack.settle()
    cards = sorted(json.loads(r.body)["card"]["id"] for r in receiver.wait_for(3, 5))
    assert cards == ["card_1", "card_2", "card_3"]
    sqs = stack.services.aws.client("sqs")
    [note] = sqs.receive_message(QueueUrl=stack.services.settings.parked_queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0)["Messages"]
    assert json.loads(note["Body"])["DDBStreamBatchInfo"]["batchSize"] == 1
    # the cause is fixed: the parked event goes back to fan-out and reaches the subscriber
    monkeypatch.setattr(event_filters, "wants", real_wants)
    assert parked.unpark(stack.services) == (1, 0)
    stack.settle()
    assert sorted(json.loads(r.body)["card"]["id"] for r in receiver.wait_for(4, 5)) == ["card_1", "card_2", "card_3", "card_poison"]


@pytest.mark.parametrize("depth", [968])
def test_a_stored_event_nested_deep_does_not_fail_polling(stack, depth):
    with stack.client(DEMO_KEY_A) as c:
        c.get("/v1/me")
        nested: dict = {}
        for _ in range(depth):
            nested = {"a": nested}
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(limit + 2 * depth)  # what inbound's parser accepted once, stored as text
        try:
            stack.services.events.put_new(
                DEMO_LOCATION_A,
                "m#deep",
                "deep0001",
                {"event": "card_opened", "location_id": DEMO_LOCATION_A, "x": nested, "enriched": False},
            )
        finally:
            sys.setrecursionlimit(limit)
        answer = c.get("/v1/triggers/any")
        assert answer.status_code == 200
        assert answer.text.count('{"a":') == depth
