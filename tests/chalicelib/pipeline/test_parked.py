"""Parked stream records put back (pipeline/parked.py): a note names a range of the events table's stream; unpark fans it out again.

moto's DynamoDB Streams stand in for the stream; notes are the shape Lambda sends (``parked.note``).
"""

from __future__ import annotations

import json

from chalicelib.container import Services
from chalicelib.pipeline import parked
from chalicelib.pipeline.jobs import Job
from chalicelib.security import signing
from chalicelib.store.records import Subscription


def stream_range(services: Services, *dedup_keys: str) -> tuple[str, str, str, str]:
    """(stream arn, shard id, first and last sequence numbers) of these events' INSERT records on the events table's stream."""
    arn = services.aws.client("dynamodb").describe_table(TableName=services.settings.events_table)["Table"]["LatestStreamArn"]
    streams = services.aws.client("dynamodbstreams")
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    numbers: dict[str, int] = {}  # the latest INSERT of each key: the stream keeps earlier tests' records of the same keys
    for _ in range(100):
        answer = streams.get_records(ShardIterator=iterator, Limit=1000)
        for record in answer["Records"]:
            if record["eventName"] == "INSERT" and record["dynamodb"]["Keys"]["sk"]["S"] in dedup_keys:
                numbers[record["dynamodb"]["Keys"]["sk"]["S"]] = int(record["dynamodb"]["SequenceNumber"])
        iterator = answer.get("NextShardIterator")
        if not answer["Records"] or not iterator:
            break
    assert len(numbers) == len(dedup_keys)
    return arn, shard, str(min(numbers.values())), str(max(numbers.values()))


def store(services: Services, n: int) -> str:
    event_id, _ = services.events.put_new("loc_a", f"wh_{n}", f"d{n}", {"event": "stamp_added", "location_id": "loc_a"})
    return event_id


def delivery_jobs(services: Services) -> list[Job]:
    sqs = services.aws.client("sqs")
    found: list[Job] = []
    for _ in range(10):
        messages = sqs.receive_message(QueueUrl=services.settings.delivery_queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            break
        found.extend(Job.loads(m["Body"]) for m in messages)
    return found


def parked_notes(services: Services) -> int:
    attributes = services.aws.client("sqs").get_queue_attributes(
        QueueUrl=services.settings.parked_queue_url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def subscribe(services: Services) -> Subscription:
    sub = Subscription("hook_0001", "loc_a", "stamp_added", "https://hooks.example/a", {}, signing.new_secret(), "t")
    services.subscriptions.create(sub)
    return sub


def test_a_note_has_the_fields_unpark_reads() -> None:
    made = parked.note("arn:stream", "shard-1", "10", "20", 3, "RetryAttemptsExhausted")
    info = made["DDBStreamBatchInfo"]
    assert (info["streamArn"], info["shardId"], info["startSequenceNumber"], info["endSequenceNumber"]) == (
        "arn:stream",
        "shard-1",
        "10",
        "20",
    )
    assert json.loads(json.dumps(made)) == made


def test_a_parked_range_is_fanned_out_again_and_its_note_deleted(services: Services) -> None:
    sub = subscribe(services)
    ids = [store(services, n) for n in (1, 2, 3)]
    arn, shard, first, last = stream_range(services, "wh_1", "wh_2", "wh_3")
    parked.park(services, parked.note(arn, shard, first, last, 3, "RetryAttemptsExhausted"))
    assert parked_notes(services) == 1
    assert parked.unpark(services) == (3, 0)
    jobs = delivery_jobs(services)
    assert sorted(j.event_id for j in jobs) == sorted(ids) and all(j.subscriptions == [sub.id] for j in jobs)
    assert parked_notes(services) == 0


def test_only_the_notes_range_is_put_back(services: Services) -> None:
    subscribe(services)
    ids = [store(services, n) for n in (1, 2, 3)]
    arn, shard, first, last = stream_range(services, "wh_2")
    parked.park(services, parked.note(arn, shard, first, last, 1, "RetryAttemptsExhausted"))
    assert parked.unpark(services) == (1, 0)
    assert [j.event_id for j in delivery_jobs(services)] == [ids[1]]


def test_a_note_whose_stream_cannot_be_read_stays_parked_and_the_others_go_on(services: Services) -> None:
    subscribe(services)
    ids = [store(services, 1), store(services, 2)]
    arn, shard, first, last = stream_range(services, "wh_1", "wh_2")
    gone = arn.replace(services.settings.events_table, services.settings.events_table + "-gone")  # a stream AWS no longer has
    parked.park(services, parked.note(gone, shard, first, last, 1, "RetryAttemptsExhausted"))
    parked.park(services, parked.note(arn, shard, first, last, 2, "RetryAttemptsExhausted"))
    assert parked.unpark(services) == (2, 1)
    assert parked_notes(services) == 1
    assert sorted(j.event_id for j in delivery_jobs(services)) == sorted(ids)


def test_nothing_parked_puts_nothing_back(services: Services) -> None:
    assert parked.unpark(services) == (0, 0)
