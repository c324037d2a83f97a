"""Stream records fan-out gave up on, put back.

Lambda parks a stream batch it could not handle (after MaximumRetryAttempts, bisected to
the failing record) by sending a note to the on-failure queue: the shard and the range
of sequence numbers, not the records. The local worker writes the same note. Putting
them back reads that range from the stream (kept 24 hours), fetches each event's
current item from the events table and fans it out again; a note whose events fan out
is deleted, one that fails again stays parked (and the alarm stays on).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib import observability
from chalicelib.container import Services
from chalicelib.errors import ConnectorError
from chalicelib.pipeline import fanout

log = logging.getLogger("connector.parked")

MAX_NOTES = 1000
MAX_PAGES = 100


def note(stream_arn: str, shard_id: str, first: str, last: str, count: int, condition: str) -> dict[str, Any]:
    """The note Lambda sends to a stream mapping's on-failure destination (the fields this module reads, and a few more)."""
    return {
        "version": "1.0",
        "requestContext": {"condition": condition, "approximateInvokeCount": count},
        "DDBStreamBatchInfo": {
            "shardId": shard_id,
            "startSequenceNumber": first,
            "endSequenceNumber": last,
            "batchSize": 1,
            "streamArn": stream_arn,
        },
    }


def park(services: Services, message: dict[str, Any]) -> None:
    """Park a note as Lambda's on-failure destination would (the local worker); on AWS the queue's depth alarm counts them."""
    services.aws.client("sqs").send_message(QueueUrl=services.settings.parked_queue_url, MessageBody=json.dumps(message))
    observability.metric("ParkedRecords", message["DDBStreamBatchInfo"]["batchSize"])


def _keys(services: Services, info: dict[str, Any]) -> list[dict[str, Any]]:
    """The keys of the events in a parked range, read from the stream (as the stream has them)."""
    streams = services.aws.client("dynamodbstreams")
    first, last = int(info["startSequenceNumber"]), int(info["endSequenceNumber"])
    iterator = streams.get_shard_iterator(
        StreamArn=info["streamArn"],
        ShardId=info["shardId"],
        ShardIteratorType="AT_SEQUENCE_NUMBER",
        SequenceNumber=info["startSequenceNumber"],
    )["ShardIterator"]
    keys: list[dict[str, Any]] = []
    for _ in range(MAX_PAGES):
        answer = streams.get_records(ShardIterator=iterator, Limit=100)
        for record in answer.get("Records", []):
            if int(record["dynamodb"]["SequenceNumber"]) > last:
                return keys
            if first <= int(record["dynamodb"]["SequenceNumber"]) and record.get("eventName") in ("INSERT", "MODIFY"):
                keys.append(record["dynamodb"]["Keys"])
        iterator = answer.get("NextShardIterator")
        if not iterator or not answer.get("Records"):
            break
    return keys


def unpark(services: Services) -> tuple[int, int]:
    """Fan out again every parked event; returns (events put back, notes still parked)."""
    sqs = services.aws.client("sqs")
    url = services.settings.parked_queue_url
    put_back = still_parked = 0
    for _ in range(MAX_NOTES // 10):
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60).get("Messages", [])
        if not messages:
            break
        for message in messages:
            try:
                events = [
                    e
                    for e in (
                        services.events.get_by_stream_keys(k) for k in _keys(services, json.loads(message["Body"])["DDBStreamBatchInfo"])
                    )
                    if e
                ]
                _, failed = fanout.fan_out(services, events)
            except (ConnectorError, BotoCoreError, ClientError, ValueError, KeyError, TypeError, RecursionError) as exc:
                # the stream's own errors too: a range trimmed after 24 hours, a stream gone; the other notes still go back
                log.warning("parked note %s still fails: %s", message["MessageId"], exc)
                still_parked += 1
                continue
            if failed:
                still_parked += 1
                continue
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            put_back += len(events)
    return put_back, still_parked
