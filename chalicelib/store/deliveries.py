"""Delivery records: one per (event, subscription), with a lease so that a redelivered job never POSTs twice.

Item: ``pk`` = subscription id, ``sk`` = the event's receipt cursor (so a subscription's
deliveries list newest first). The record is written by the first claim, a put that
fails if it exists (no write at fan-out, no read before it); ``next_at`` is the
earliest time of the next attempt.

The sparse index ``sweep`` (``due``, ``sweep_at``) lists only what the sweeper may have to
queue: a delivery waiting for a retry later than SQS's longest delay (``sweep_at`` = the
retry's time) and, as a safety net, a short retry or a replay a queued job will handle
(``sweep_at`` = well after that job). A lease is not in it: every claim is made by a
worker holding an SQS message, and a worker that dies mid-attempt does not delete it, so
SQS hands the job out again after the queue's visibility timeout (longer than the
deliver function's timeout plus LEASE), when the lease has lapsed and the job's claim
takes the delivery over. Nothing that is waiting in the queue is due to the sweeper.
``due`` is one of DUE_SHARDS values (``due#0``...), by a hash of the subscription, so
pending deliveries spread over several partitions; the sweeper reads each in turn.
Final states leave the index.

A first claim writes neither index's keys (``location_id`` for the console's
``by_location``, ``due``): a delivered-at-once event costs two writes of the record and
one ``by_location`` entry, with its outcome. Until then the record has no
``location_id``: its readers take it from the job or the subscription.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, replace
from typing import Any

from chalicelib.aws import SQS_MAX_DELAY
from chalicelib.clock import Clock
from chalicelib.store import _dynamo
from chalicelib.store.records import Attempt, DeliveryRecord, DeliveryStatus

SWEEP_INDEX = "sweep"
DUE_SHARDS = 8
LOG_SIZE = 10
RETENTION_SECONDS = 30 * 86400
SAFETY_MARGIN = 120  # how long after a queued job should have run the sweeper looks again
FINISH_IN_BATCH_MARGIN = 20.0  # a lease with less left than this is finished with a conditional write
MAX_REPLAY_PAGES = 1000
REOPEN_CONCURRENCY = 16  # a replay of thousands answers within API Gateway's 29 s
UNLEASED = "(attribute_not_exists(lease_until) OR lease_until < :now)"  # no attempt holds the delivery now
INDEX_KEYS = ("location_id", "due", "sweep_at")  # what a first claim leaves out, so that it writes no index


def due_shard(sub_id: str) -> str:
    """The ``due`` partition of a subscription's deliveries."""
    return f"due#{int(hashlib.sha256(sub_id.encode()).hexdigest()[:8], 16) % DUE_SHARDS}"


def all_due_shards() -> list[str]:
    return [f"due#{i}" for i in range(DUE_SHARDS)]


def sweep_at_for_retry(now: float, next_at: float) -> float:
    """When the sweeper should look at a delivery retried at ``next_at``: then, or after the queued job's time."""
    return next_at if next_at - now > SQS_MAX_DELAY else next_at + SQS_MAX_DELAY + SAFETY_MARGIN


class DeliveryStore:
    def __init__(self, db: _dynamo.Dynamo, clock: Clock, table: str) -> None:
        self._db = db
        self._clock = clock
        self._table = table

    def _key(self, sub_id: str, cursor: str) -> dict[str, Any]:
        return _dynamo.to_item({"pk": sub_id, "sk": cursor})

    def claim(self, delivery: DeliveryRecord, lease_seconds: float, *, first: bool = False) -> DeliveryRecord | None:
        """Take a delivery for one attempt; None if it is delivered, final, leased by another worker or not yet due.

        The first attempt (a job from fan-out) creates the record with a put that fails if
        it exists; later ones (retries, the sweeper, replays) and a first job handed out
        again (its worker died mid-attempt) update it on condition that it is pending, due
        and not leased. Each is one conditional write: on AWS and (with
        ``stack.moto_atomic``) on moto, of many workers claiming the same delivery exactly
        one wins.
        """
        now = self._clock.now()
        lease = now + lease_seconds
        if first:
            claimed = replace(delivery, status=DeliveryStatus.PENDING, attempts=1, next_at=now, lease_until=lease)
            item = {k: v for k, v in _item(claimed, int(now) + RETENTION_SECONDS, now).items() if k not in INDEX_KEYS}
            try:
                self._db.call(
                    "put_item",
                    TableName=self._table,
                    Item=_dynamo.to_item({**item, "lease_until": lease}),
                    ConditionExpression="attribute_not_exists(pk)",
                )
            except _dynamo.ConditionFailed:
                pass  # the record exists: claimed on condition below, as a retry is
            else:
                return claimed
        try:
            answer = self._db.call(
                "update_item",
                TableName=self._table,
                Key=self._key(delivery.subscription_id, delivery.event_cursor),
                UpdateExpression="SET lease_until = :lease, attempts = attempts + :one",
                ConditionExpression="#s = :pending AND next_at <= :soon AND (attribute_not_exists(lease_until) OR lease_until < :now)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues=_dynamo.values(lease=lease, one=1, pending=DeliveryStatus.PENDING.value, now=now, soon=now + 1),
                ReturnValues="ALL_NEW",
            )
        except _dynamo.ConditionFailed:
            return None
        return record_of({"location_id": delivery.location_id, **_dynamo.from_item(answer["Attributes"])})

    def finish_many(self, outcomes: list[tuple[DeliveryRecord, Attempt, DeliveryStatus, float | None]]) -> None:
        """Record the outcomes of one job's attempts: whole items in batches of 25 while their leases are safely held.

        A lease nearly over is finished with a write conditional on it instead, so an
        outcome never overwrites what a later claim by another worker wrote.
        """
        now = self._clock.now()
        expires_at = int(now) + RETENTION_SECONDS
        batched: list[dict[str, Any]] = []
        for delivery, attempt, status, next_at in outcomes:
            finished = _finished(delivery, attempt, status, next_at)
            if delivery.lease_until is not None and delivery.lease_until - now > FINISH_IN_BATCH_MARGIN:
                batched.append({"PutRequest": {"Item": _dynamo.to_item(_item(finished, expires_at, now))}})
            else:
                self._finish_conditionally(finished, delivery.lease_until, now)
        for start in range(0, len(batched), 25):
            pending: dict[str, Any] = {self._table: batched[start : start + 25]}
            for _ in range(20):
                pending = self._db.call("batch_write_item", RequestItems=pending).get("UnprocessedItems") or {}
                if not pending:
                    break
            if pending:
                raise _dynamo.StoreUnavailable("some delivery outcomes could not be written")

    def _finish_conditionally(self, finished: DeliveryRecord, lease: float | None, now: float) -> None:
        vals: dict[str, Any] = {
            "status": finished.status.value,
            "log": _log_text(finished.attempts_log),
            "lease": lease,
            "loc": finished.location_id,
        }
        names = {"#s": "status", "#l": "log", "#due": "due"}
        if finished.status is DeliveryStatus.PENDING:
            expression = (
                "SET #s = :status, #l = :log, location_id = :loc, next_at = :next, #due = :due, sweep_at = :sweep REMOVE lease_until"
            )
            vals.update(next=finished.next_at, due=due_shard(finished.subscription_id), sweep=sweep_at_for_retry(now, finished.next_at))
        else:
            expression = "SET #s = :status, #l = :log, location_id = :loc REMOVE lease_until, #due, sweep_at"
        try:
            self._db.call(
                "update_item",
                TableName=self._table,
                Key=self._key(finished.subscription_id, finished.event_cursor),
                UpdateExpression=expression,
                ConditionExpression="lease_until = :lease",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=_dynamo.values(**vals),
            )
        except _dynamo.ConditionFailed:
            pass  # the lease ran out and another worker took the delivery: its outcome is the one that counts

    def record_test(self, delivery: DeliveryRecord) -> None:
        """Keep a test event's one attempt in the subscription's log (a final state: no index of the sweeper, no retry)."""
        now = self._clock.now()
        self._db.call("put_item", TableName=self._table, Item=_dynamo.to_item(_item(delivery, int(now) + RETENTION_SECONDS, now)))

    def resend(self, sub_id: str, cursor: str) -> DeliveryRecord | None:
        """Make one delivery pending and due now, whatever its state, unless an attempt holds it; None when one does."""
        return self._due_now(sub_id, cursor, self._clock.now(), f"attribute_exists(pk) AND {UNLEASED}", set_pending=True)

    def _due_now(self, sub_id: str, sk: str, now: float, condition: str, *, set_pending: bool, **values: Any) -> DeliveryRecord | None:
        """Make one delivery due now (and pending, with ``set_pending``) if ``condition`` holds, else None.

        Resend, retry now and replay all end here; the sweeper gets the delivery as a safety net
        in case the job queued for it is lost.
        """
        try:
            answer = self._db.call(
                "update_item",
                TableName=self._table,
                Key=self._key(sub_id, sk),
                UpdateExpression=("SET #s = :pending, " if set_pending else "SET ") + "next_at = :now, #due = :due, sweep_at = :sweep",
                ConditionExpression=condition,
                ExpressionAttributeNames={"#s": "status", "#due": "due"},
                ExpressionAttributeValues=_dynamo.values(
                    pending=DeliveryStatus.PENDING.value,
                    now=now,
                    due=due_shard(sub_id),
                    sweep=now + SQS_MAX_DELAY + SAFETY_MARGIN,
                    **values,
                ),
                ReturnValues="ALL_NEW",
            )
        except _dynamo.ConditionFailed:
            return None
        return record_of(_dynamo.from_item(answer["Attributes"]))

    def due(self, limit_per_shard: int) -> list[tuple[DeliveryRecord, float]]:
        """What the sweeper must queue now, with the ``sweep_at`` it was seen at, from every ``due`` partition in turn."""
        now = self._clock.now()
        found: list[tuple[DeliveryRecord, float]] = []
        for shard in all_due_shards():
            answer = self._db.call(
                "query",
                TableName=self._table,
                IndexName=SWEEP_INDEX,
                KeyConditionExpression="#due = :due AND sweep_at <= :now",
                ExpressionAttributeNames={"#due": "due"},
                ExpressionAttributeValues=_dynamo.values(due=shard, now=now),
                Limit=limit_per_shard,
            )
            found.extend((record_of(v), float(v["sweep_at"])) for v in map(_dynamo.from_item, answer.get("Items", [])))
        return found

    def postpone_sweep(self, delivery: DeliveryRecord, seen_sweep_at: float) -> None:
        """After the sweeper queued a delivery: look again only if that job was lost (unless a claim moved it meanwhile)."""
        now = self._clock.now()
        try:
            self._db.call(
                "update_item",
                TableName=self._table,
                Key=self._key(delivery.subscription_id, delivery.event_cursor),
                UpdateExpression="SET sweep_at = :later",
                ConditionExpression="sweep_at = :seen",
                ExpressionAttributeValues=_dynamo.values(later=now + SQS_MAX_DELAY + SAFETY_MARGIN, seen=seen_sweep_at),
            )
        except _dynamo.ConditionFailed:
            pass

    def _pages(
        self, sub_id: str, statuses: tuple[DeliveryStatus, ...], since_cursor: str | None, **select: Any
    ) -> Iterator[dict[str, Any]]:
        """Every page of a subscription's deliveries in one of ``statuses`` received after ``since_cursor``.

        The status filter applies after each page's limit, so one page is not enough: the
        replay and its dry run both page through all of them, and so agree on how many.
        """
        condition = "pk = :pk" + (" AND sk > :since" if since_cursor else "")
        wanted = {f"s{i}": status.value for i, status in enumerate(statuses)}
        values = _dynamo.values(pk=sub_id, **wanted, **({"since": since_cursor} if since_cursor else {}))
        start: dict[str, Any] | None = None
        for _ in range(MAX_REPLAY_PAGES):
            answer = self._db.call(
                "query",
                TableName=self._table,
                KeyConditionExpression=condition,
                # a test event (sample_delivery) is in the log but never sent again
                FilterExpression=f"#s IN ({', '.join(':' + k for k in wanted)}) AND attribute_not_exists(test)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues=values,
                **select,
                **({"ExclusiveStartKey": start} if start else {}),
            )
            yield answer
            start = answer.get("LastEvaluatedKey")
            if not start:
                return

    def _outstanding(self, sub_id: str, since_cursor: str | None, **select: Any) -> tuple[list[dict[str, Any]], int]:
        """(the failed deliveries, how many wait for a retry) received after ``since_cursor``, read in one pass."""
        failed: list[dict[str, Any]] = []
        waiting = 0
        for page in self._pages(sub_id, (DeliveryStatus.FAILED, DeliveryStatus.PENDING), since_cursor, **select):
            for values in map(_dynamo.from_item, page.get("Items", [])):
                if values["status"] == DeliveryStatus.FAILED.value:
                    failed.append(values)
                else:
                    waiting += 1
        return failed, waiting

    def count_outstanding(self, sub_id: str, since_cursor: str | None) -> tuple[int, int]:
        """(how many failed deliveries a replay with the same ``since`` would send again, how many wait for a retry)."""
        failed, waiting = self._outstanding(sub_id, since_cursor, ProjectionExpression="#s")
        return len(failed), waiting

    def bring_forward(self, sub_id: str) -> list[DeliveryRecord]:
        """Make every waiting delivery of a subscription due now ("retry now"); one an attempt holds right now is left alone.

        Only the time of the next attempt changes: the queued job that follows claims the
        delivery as the schedule's job would (pending, due, not leased), so of the two jobs
        that may now exist for it, one attempt happens. The sweeper keeps a safety net in
        case this job is lost.
        """
        waiting = [_dynamo.from_item(i) for page in self._pages(sub_id, (DeliveryStatus.PENDING,), None) for i in page.get("Items", [])]
        now = self._clock.now()

        def forward(values: dict[str, Any]) -> DeliveryRecord | None:
            return self._due_now(sub_id, str(values["sk"]), now, f"#s = :pending AND {UNLEASED}", set_pending=False)

        with ThreadPoolExecutor(max_workers=REOPEN_CONCURRENCY) as pool:
            return [r for r in pool.map(forward, waiting) if r is not None]

    def reopen_failed(self, sub_id: str, since_cursor: str | None) -> tuple[list[DeliveryRecord], int]:
        """Put every failed delivery of a subscription (received after ``since_cursor``) back to pending, due now.

        Returns them, and how many others were waiting for a retry (read in the same pass).
        Each reopened delivery is also given to the sweeper as a safety net, for the case
        that the replay's job is lost.
        """
        failed, waiting = self._outstanding(sub_id, since_cursor)
        now = self._clock.now()

        def reopen(values: dict[str, Any]) -> DeliveryRecord | None:
            return self._due_now(sub_id, str(values["sk"]), now, "#s = :failed", set_pending=True, failed=DeliveryStatus.FAILED.value)

        with ThreadPoolExecutor(max_workers=REOPEN_CONCURRENCY) as pool:
            return [r for r in pool.map(reopen, failed) if r is not None], waiting


def _finished(delivery: DeliveryRecord, attempt: Attempt, status: DeliveryStatus, next_at: float | None) -> DeliveryRecord:
    log = (*delivery.attempts_log, attempt)[-LOG_SIZE:]
    return DeliveryRecord(
        subscription_id=delivery.subscription_id,
        location_id=delivery.location_id,
        event_dedup_key=delivery.event_dedup_key,
        event_cursor=delivery.event_cursor,
        event_id=delivery.event_id,
        event=delivery.event,
        status=status,
        attempts=delivery.attempts,
        next_at=next_at if next_at is not None else delivery.next_at,
        attempts_log=log,
    )


def _log_text(log: tuple[Attempt, ...]) -> str:
    return json.dumps([asdict(a) for a in log])


def _item(delivery: DeliveryRecord, expires_at: int, now: float) -> dict[str, Any]:
    item: dict[str, Any] = {
        "pk": delivery.subscription_id,
        "sk": delivery.event_cursor,
        "location_id": delivery.location_id,
        "event_key": delivery.event_dedup_key,
        "event_id": delivery.event_id,
        "event": delivery.event,
        "status": delivery.status.value,
        "attempts": delivery.attempts,
        "next_at": delivery.next_at,
        "log": _log_text(delivery.attempts_log),
        "expires_at": expires_at,
    }
    if delivery.test:
        item["test"] = True
    if delivery.status is DeliveryStatus.PENDING:
        item.update(due=due_shard(delivery.subscription_id), sweep_at=sweep_at_for_retry(now, delivery.next_at))
    return item


def record_of(values: dict[str, Any]) -> DeliveryRecord:
    """The delivery record of a stored item (also for the console's reads in delivery_log.py)."""
    return DeliveryRecord(
        subscription_id=str(values["pk"]),
        location_id=str(values.get("location_id", "")),  # empty only before the first outcome (see the module's docstring)
        event_dedup_key=str(values["event_key"]),
        event_cursor=str(values["sk"]),
        event_id=str(values["event_id"]),
        event=str(values["event"]),
        status=DeliveryStatus(str(values["status"])),
        attempts=int(values.get("attempts", 0)),
        next_at=float(values.get("next_at", 0)),
        attempts_log=tuple(Attempt(**a) for a in json.loads(values.get("log") or "[]")),
        lease_until=float(values["lease_until"]) if values.get("lease_until") is not None else None,
        test=bool(values.get("test", False)),
    )
