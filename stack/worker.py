"""Workers of the local stack: they feed the Lambda handlers of app.py with Lambda-shaped events.

One loop reads the events table's stream (as Lambda's DynamoDB event source would, with
partial batch failures, bisection and a parked queue) and calls ``app.fanout``; each of the
deliver function's SQS mappings (the delivery queue, and the lookup lane of customer lookups
booked for a second) is a lane: QUEUE_POLLERS receive from its queue and hand each batch to
one of its invocations (the mapping's MaximumConcurrency in infra/resources.json, as Lambda
runs them), deleting what it did not report as failed; one calls ``app.sweep`` on a
schedule. A poller never waits for a batch to finish, only for a free invocation of its
lane, so a batch held up by a slow subscriber holds one invocation, not the queue, and
lookups sleeping until their second hold none of the deliveries'.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

log = logging.getLogger("connector.worker")


def _mapping(function: str, source: str) -> dict[str, Any]:
    """An event source mapping's properties in infra/resources.json, so the local worker behaves as Lambda's would."""
    from stack.provision import load_template

    return dict(load_template()["Resources"][function]["Properties"]["Events"][source]["Properties"])


MAX_TRIES = 1 + int(_mapping("Fanout", "FanoutDynamodbEventSource")["MaximumRetryAttempts"])  # parks when Lambda would
MAX_INVOCATIONS = int(_mapping("Deliver", "DeliverSqsEventSource")["ScalingConfig"]["MaximumConcurrency"])
LOOKUP_INVOCATIONS = int(_mapping("Deliver", "LookupSqsEventSource")["ScalingConfig"]["MaximumConcurrency"])
QUEUE_POLLERS = 2  # receivers feeding a lane's invocations (Lambda's SQS event source starts with 5 pollers)


class _Lane:
    """One SQS mapping of the deliver function: its queue and its invocations (as many at once as its MaximumConcurrency)."""

    def __init__(self, name: str, url: Callable[[], str], invocations: int) -> None:
        self.name = name
        self.url = url  # a function: the queue's URL, found when first needed
        self.invocations = invocations
        self.free = threading.BoundedSemaphore(invocations)
        self.pool: ThreadPoolExecutor | None = None


def _plain(value: Any) -> Any:
    """A stream record's dynamodb block as Lambda sends it (numbers for times)."""
    if hasattr(value, "timestamp"):
        return value.timestamp()
    return value


class Worker:
    """What Lambda's event sources and EventBridge do on AWS, as three loops on daemon threads (or one round at a time in tests)."""

    def __init__(self, stream_arn: str, sweep_every: float = 5.0, iterators: dict[str, str | None] | None = None) -> None:
        """``iterators``: where to start reading each shard (a restored stack starts after the events it put back), else its start."""
        import app as connector_app

        self._app = connector_app
        self._stream_arn = stream_arn
        self._iterators: dict[str, str | None] = dict(iterators or {})
        self._backlog: dict[str, list[dict[str, Any]]] = {}
        self._one_at_a_time: dict[str, bool] = {}
        self._tries: dict[str, int] = {}
        self._sweep_every = sweep_every
        self._last_sweep = 0.0
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lanes = [  # the queues as the services of the moment name them (a test may build them again)
            _Lane("deliveries", lambda: self._app.services.queue.url(), MAX_INVOCATIONS),
            _Lane("lookups", lambda: self._app.services.queue.lookup_url(), LOOKUP_INVOCATIONS),
        ]

    # -- one round of each source ------------------------------------------------------
    def pump_stream(self) -> int:
        """One round per shard, as Lambda's mapping does it: report-batch-item-failures, bisect, retry, then park.

        A record the handler reports (or a batch it raises on) is tried again from that
        record, one record at a time after a raise, MAX_TRIES times; then a note goes to
        the parked queue and the shard moves on.
        """
        streams = self._app.services.aws.client("dynamodbstreams")
        shards = streams.describe_stream(StreamArn=self._stream_arn)["StreamDescription"].get("Shards", [])
        handled = 0
        for shard in shards:
            shard_id = shard["ShardId"]
            backlog = self._backlog.setdefault(shard_id, [])
            if not backlog:
                backlog.extend(self._read(streams, shard_id))
            if backlog:
                handled += self._handle(shard_id, backlog)
        return handled

    def _read(self, streams: Any, shard_id: str) -> list[dict[str, Any]]:
        if shard_id not in self._iterators:
            self._iterators[shard_id] = streams.get_shard_iterator(
                StreamArn=self._stream_arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
        iterator = self._iterators[shard_id]
        if iterator is None:
            return []
        answer = streams.get_records(ShardIterator=iterator, Limit=100)
        self._iterators[shard_id] = answer.get("NextShardIterator")
        return [
            {**r, "eventSourceARN": self._stream_arn, "dynamodb": {k: _plain(v) for k, v in r["dynamodb"].items()}}
            for r in answer.get("Records", [])
        ]

    def _handle(self, shard_id: str, backlog: list[dict[str, Any]]) -> int:
        """Run the handler on the backlog's head; returns how many records are done (handled or parked)."""
        batch = backlog[:1] if self._one_at_a_time.get(shard_id) else list(backlog)
        first = batch[0]["dynamodb"]["SequenceNumber"]
        try:
            result = self._app.fanout({"Records": batch}, None) or {}
        except Exception:
            self._one_at_a_time[shard_id] = True  # bisect: the failing record is found one at a time
            if self._failed(shard_id, backlog, first):
                return 1
            raise
        reported = [f["itemIdentifier"] for f in result.get("batchItemFailures", [])]
        if not reported:
            del backlog[: len(batch)]
            self._one_at_a_time[shard_id] = False
            return len(batch)
        position = next((i for i, r in enumerate(batch) if r["dynamodb"]["SequenceNumber"] == reported[0]), 0)
        del backlog[:position]
        return position + (1 if self._failed(shard_id, backlog, reported[0]) else 0)

    def _failed(self, shard_id: str, backlog: list[dict[str, Any]], sequence: str) -> bool:
        """Count a failure of the backlog's head; park it (and drop it) after MAX_TRIES. True when parked."""
        self._tries[sequence] = self._tries.get(sequence, 0) + 1
        if self._tries[sequence] < MAX_TRIES:
            return False
        from chalicelib.pipeline import parked

        parked.park(
            self._app.services,
            parked.note(self._stream_arn, shard_id, sequence, sequence, self._tries.pop(sequence), "RetryAttemptsExhausted"),
        )
        log.error("stream record %s failed %d times; parked", sequence, MAX_TRIES)
        backlog.pop(0)
        return True

    def pump_queue(self, wait: int = 0) -> int:
        """Receive one batch from each lane and run it now (the tests' ``drain``); returns how many messages they had."""
        handled = 0
        for lane in self._lanes:
            messages = self._receive(lane, wait if handled == 0 else 0)
            if messages:
                self._invoke(lane, messages)
            handled += len(messages)
        return handled

    def _receive(self, lane: _Lane, wait: int) -> list[dict[str, Any]]:
        sqs = self._app.services.aws.client("sqs")
        answer = sqs.receive_message(QueueUrl=lane.url(), MaxNumberOfMessages=10, WaitTimeSeconds=wait)
        return list(answer.get("Messages", []))

    def _invoke(self, lane: _Lane, messages: list[dict[str, Any]]) -> None:
        """One ``app.deliver`` call on a received batch, then delete what it did not report as failed."""
        event = {
            "Records": [
                {
                    "messageId": m["MessageId"],
                    "receiptHandle": m["ReceiptHandle"],
                    "body": m["Body"],
                    "attributes": {},
                    "eventSource": "aws:sqs",
                }
                for m in messages
            ]
        }
        result = self._app.deliver(event, None) or {}
        failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        done = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages) if m["MessageId"] not in failed]
        if done:
            self._app.services.aws.client("sqs").delete_message_batch(QueueUrl=lane.url(), Entries=done)

    def _poll_step(self, lane: _Lane) -> int:
        """Wait for a free invocation of the lane, receive a batch and start it there; returns how many messages were received."""
        if not lane.free.acquire(timeout=1):
            return 1  # every invocation is busy: not idle, try again
        try:
            messages = self._receive(lane, wait=1)
        except Exception:
            lane.free.release()
            raise
        if not messages or lane.pool is None:
            lane.free.release()
            return 0
        lane.pool.submit(self._run_invocation, lane, messages)
        return len(messages)

    def _run_invocation(self, lane: _Lane, messages: list[dict[str, Any]]) -> None:
        try:
            self._invoke(lane, messages)
        except Exception:
            log.exception("a deliver invocation failed; its messages come back after the visibility timeout")
        finally:
            lane.free.release()

    def sweep(self) -> None:
        self._app.sweep(
            {
                "detail": {},
                "detail-type": "Scheduled Event",
                "source": "aws.events",
                "account": "000000000000",
                "time": "1970-01-01T00:00:00Z",
                "region": "us-east-1",
                "resources": [],
                "id": "local",
                "version": "0",
            },
            None,
        )

    def drain(self, rounds: int = 200) -> int:
        """Run stream and queue until both are empty (bounded); returns how much was handled."""
        total = 0
        idle = 0
        for _ in range(rounds):
            handled = self.pump_stream() + self.pump_queue()
            total += handled
            idle = idle + 1 if handled == 0 else 0
            if idle >= 2:
                break
        return total

    # -- background loops ------------------------------------------------------------------
    def _loop(self, name: str, step: Any, idle_sleep: float) -> None:
        while not self._stop.is_set():
            try:
                busy = step()
            except Exception:
                log.exception("%s worker failed a round; trying again", name)
                busy = 0
            if not busy:
                self._stop.wait(idle_sleep)

    def _sweep_step(self) -> int:
        if time.monotonic() - self._last_sweep >= self._sweep_every:
            self._last_sweep = time.monotonic()
            self.sweep()
        return 0

    def start(self) -> Worker:
        queues = []
        for lane in self._lanes:
            lane.pool = ThreadPoolExecutor(max_workers=lane.invocations, thread_name_prefix=f"worker-{lane.name}")
            queues += [(f"{lane.name}-{i}", partial(self._poll_step, lane), 0.01) for i in range(QUEUE_POLLERS)]
        for name, step, idle in (("stream", self.pump_stream, 0.05), *queues, ("sweeper", self._sweep_step, 0.5)):
            thread = threading.Thread(target=self._loop, args=(name, step, idle), name=f"worker-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)
        for lane in self._lanes:
            if lane.pool is not None:
                lane.pool.shutdown(wait=False, cancel_futures=True)
