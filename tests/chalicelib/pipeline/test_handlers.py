"""The stream handler (pipeline/handlers.py): which records a batch fans out, which it moves, and the first one to retry from.

Stream records are built from the events table's real items (moto), as DynamoDB's stream
hands them to Lambda: (sequence number, event name, new image, when the write landed).
"""

from __future__ import annotations

from typing import Any

from unit_support import ManualClock

from chalicelib.container import Services
from chalicelib.pipeline import handlers
from chalicelib.pipeline.jobs import Job, JobKind
from chalicelib.security import signing
from chalicelib.store.events import LATE_SECONDS, received_at
from chalicelib.store.records import Subscription


def subscribe(services: Services) -> None:
    services.subscriptions.create(Subscription("hook_0001", "loc_a", "any", "https://hooks.example/a", {}, signing.new_secret(), "t"))


def store(services: Services, n: int, awaiting: bool = False) -> str:
    event_id, _ = services.events.put_new("loc_a", f"wh_{n}", f"d{n}", {"event": "stamp_added", "location_id": "loc_a"}, awaiting=awaiting)
    return event_id


def image(services: Services, n: int) -> dict[str, Any]:
    key = {"pk": {"S": "loc_a"}, "sk": {"S": f"wh_{n}"}}
    return dict(services.aws.client("dynamodb").get_item(TableName=services.settings.events_table, Key=key)["Item"])


def jobs(services: Services) -> list[Job]:
    messages = services.aws.client("sqs").receive_message(QueueUrl=services.settings.delivery_queue_url, MaxNumberOfMessages=10)
    return [Job.loads(m["Body"]) for m in messages.get("Messages", [])]


def test_new_events_are_fanned_out_and_nothing_is_reported(services: Services, clock: ManualClock) -> None:
    subscribe(services)
    ids = [store(services, n) for n in (1, 2)]
    now = clock.now()
    answer = handlers.fan_out_records(services, [("1", "INSERT", image(services, 1), now), ("2", "INSERT", image(services, 2), now)])
    assert answer == {"batchItemFailures": []}
    assert sorted(j.event_id for j in jobs(services)) == sorted(ids)


def test_removals_and_records_without_an_image_are_skipped(services: Services, clock: ManualClock) -> None:
    subscribe(services)
    store(services, 1)
    answer = handlers.fan_out_records(services, [("1", "REMOVE", image(services, 1), clock.now()), ("2", "INSERT", None, clock.now())])
    assert answer == {"batchItemFailures": []} and jobs(services) == []


def test_an_unreadable_record_is_the_one_to_retry_from(services: Services, clock: ManualClock) -> None:
    subscribe(services)
    first = store(services, 1)
    store(services, 2)
    broken = {**image(services, 2), "body": {"S": "{not json"}}
    answer = handlers.fan_out_records(
        services,
        [
            ("1", "INSERT", image(services, 1), clock.now()),
            ("2", "INSERT", broken, clock.now()),
            ("3", "INSERT", image(services, 2), clock.now()),
        ],
    )
    assert answer == {"batchItemFailures": [{"itemIdentifier": "2"}]}
    assert [j.event_id for j in jobs(services)] == [first]  # what came before it went out; Lambda retries from it


def test_an_awaiting_event_gets_its_enrich_job_and_its_release_its_deliveries(services: Services, clock: ManualClock) -> None:
    subscribe(services)
    event_id = store(services, 1, awaiting=True)
    assert handlers.fan_out_records(services, [("1", "INSERT", image(services, 1), clock.now())]) == {"batchItemFailures": []}
    assert all(j.kind is JobKind.ENRICH for j in jobs(services))  # no delivery before its enrichment
    stored = services.events.get("loc_a", "wh_1")
    assert stored is not None
    handlers.fan_out_records(services, [("2", "MODIFY", image(services, 1), clock.now())])  # still awaiting: nothing
    assert jobs(services) == []
    services.events.release("loc_a", "wh_1", {**stored.record, "enriched": True})
    handlers.fan_out_records(services, [("3", "MODIFY", image(services, 1), clock.now())])
    [job] = jobs(services)
    assert (job.kind, job.event_id) == (JobKind.DELIVER, event_id)


def test_a_write_that_landed_late_is_moved_once_and_delivered_once(services: Services, clock: ManualClock) -> None:
    subscribe(services)
    event_id = store(services, 1)
    inserted = image(services, 1)
    cursor = inserted["ts"]["S"]
    landed = received_at(cursor) + LATE_SECONDS + 1
    clock.at = landed
    assert handlers.fan_out_records(services, [("1", "INSERT", inserted, landed)]) == {"batchItemFailures": []}
    moved = services.events.get("loc_a", "wh_1")
    assert moved is not None and moved.cursor > cursor and moved.moved
    assert [j.event_id for j in jobs(services)] == [event_id]
    handlers.fan_out_records(services, [("2", "MODIFY", image(services, 1), clock.now())])  # the move's own record
    assert jobs(services) == []  # not delivered a second time


def test_a_write_that_landed_in_time_stays_where_it_is(services: Services, clock: ManualClock) -> None:
    store(services, 1)
    inserted = image(services, 1)
    handlers.fan_out_records(services, [("1", "INSERT", inserted, received_at(inserted["ts"]["S"]) + LATE_SECONDS)])
    stored = services.events.get("loc_a", "wh_1")
    assert stored is not None and stored.cursor == inserted["ts"]["S"] and not stored.moved
