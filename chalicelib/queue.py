"""The delivery queue: work items that name an event and up to BATCH subscriptions to POST it to."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib import aws, settings
from chalicelib.errors import UpstreamError

BATCH = 50
MAX_DELAY = 900  # SQS's longest message delay; later retries wait for the sweeper


@dataclass(frozen=True)
class Job:
    """Deliver one stored event to these subscriptions."""

    location_id: str
    event_key: str
    event_cursor: str
    subscriptions: list[str]

    def dumps(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def loads(cls, body: str) -> Job:
        data = json.loads(body)
        return cls(str(data["location_id"]), str(data["event_key"]), str(data["event_cursor"]), [str(s) for s in data["subscriptions"]])


@lru_cache(maxsize=1)
def queue_url() -> str:
    s = settings.get()
    if s.delivery_queue_url:
        return s.delivery_queue_url
    try:
        return str(aws.client("sqs").get_queue_url(QueueName=s.delivery_queue_name)["QueueUrl"])
    except (BotoCoreError, ClientError) as exc:
        raise UpstreamError("The delivery queue is unavailable") from exc


def jobs_for(location_id: str, event_key: str, event_cursor: str, sub_ids: Iterable[str]) -> list[Job]:
    ids = list(sub_ids)
    return [Job(location_id, event_key, event_cursor, ids[i : i + BATCH]) for i in range(0, len(ids), BATCH)]


def send(jobs: list[Job], delay: int = 0) -> None:
    """Enqueue jobs in batches of ten; a failure raises, so the caller's trigger retries."""
    sqs = aws.client("sqs")
    for start in range(0, len(jobs), 10):
        entries: list[dict[str, Any]] = [
            {"Id": str(i), "MessageBody": job.dumps(), "DelaySeconds": max(0, min(MAX_DELAY, delay))}
            for i, job in enumerate(jobs[start : start + 10])
        ]
        try:
            answer = sqs.send_message_batch(QueueUrl=queue_url(), Entries=entries)
        except (BotoCoreError, ClientError) as exc:
            raise UpstreamError("The delivery queue is unavailable") from exc
        if answer.get("Failed"):
            raise UpstreamError(f"{len(answer['Failed'])} delivery jobs could not be queued")
