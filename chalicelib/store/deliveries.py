"""Delivery records: one per (event, subscription), with a lease so that a redelivered job never POSTs twice.

Item: ``pk`` = subscription id, ``sk`` = the event's receipt cursor (so a subscription's
deliveries list newest first). A pending delivery carries ``due`` = "due", which puts it
in the sparse index ``due`` (due, next_at) that the sweeper reads; final states remove it.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.store import _dynamo as d
from chalicelib.store.records import Attempt, Delivery, DeliveryStatus

DUE_INDEX = "due"
LOG_SIZE = 10
RETENTION_SECONDS = 30 * 86400


class DeliveryStore:
    def __init__(self, table: str) -> None:
        self._table = table

    def _key(self, sub_id: str, cursor: str) -> dict[str, Any]:
        return d.to_item({"pk": sub_id, "sk": cursor})

    def create_missing(self, deliveries: list[Delivery]) -> int:
        """Write the pending deliveries that do not exist yet; returns how many were new.

        A repeated fan-out of one event (a stream batch read again) finds its records and
        leaves them, delivered or not, as they are. Fan-out of one event runs once at a
        time (a stream shard is handled in order), so reading first and then writing in
        batches of 25 cannot race with itself.
        """
        existing = {(str(v["pk"]), str(v["sk"])) for v in d.batch_get(self._table, [{"pk": x.subscription_id, "sk": x.event_cursor} for x in deliveries])}
        new = [x for x in deliveries if (x.subscription_id, x.event_cursor) not in existing]
        expires_at = int(d.now()) + RETENTION_SECONDS
        requests = [{"PutRequest": {"Item": d.to_item(_item(x, expires_at))}} for x in new]
        for start in range(0, len(requests), 25):
            pending: dict[str, Any] = {self._table: requests[start : start + 25]}
            for _ in range(20):
                pending = d.call("batch_write_item", RequestItems=pending).get("UnprocessedItems") or {}
                if not pending:
                    break
            if pending:
                raise d.StoreUnavailable("some delivery records could not be written")
        return len(new)

    def claim(self, sub_id: str, cursor: str, lease_seconds: float) -> Delivery | None:
        """Take a due, pending, unleased delivery for one attempt; None if it is delivered, final, leased or not yet due."""
        now = d.now()
        try:
            answer = d.call(
                "update_item",
                TableName=self._table,
                Key=self._key(sub_id, cursor),
                UpdateExpression="SET lease_until = :lease, attempts = attempts + :one",
                ConditionExpression="#s = :pending AND next_at <= :soon AND (attribute_not_exists(lease_until) OR lease_until < :now)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues=d.values(
                    lease=now + lease_seconds, one=1, pending=DeliveryStatus.PENDING.value, soon=now + 1, now=now
                ),
                ReturnValues="ALL_NEW",
            )
        except d.ConditionFailed:
            return None
        return _delivery(d.from_item(answer["Attributes"]))

    def finish(self, delivery: Delivery, attempt: Attempt, status: DeliveryStatus, next_at: float | None = None) -> None:
        """Record one attempt's outcome: back to pending at ``next_at``, or a final status."""
        log = [*delivery.attempts_log, attempt][-LOG_SIZE:]
        vals: dict[str, Any] = {"status": status.value, "log": json.dumps([a.__dict__ for a in log])}
        if status is DeliveryStatus.PENDING:
            expression = "SET #s = :status, #l = :log, next_at = :next REMOVE lease_until"
            vals["next"] = next_at
        else:
            expression = "SET #s = :status, #l = :log REMOVE lease_until, #due"
        d.call(
            "update_item",
            TableName=self._table,
            Key=self._key(delivery.subscription_id, delivery.event_cursor),
            UpdateExpression=expression,
            ExpressionAttributeNames={"#s": "status", "#l": "log", **({} if status is DeliveryStatus.PENDING else {"#due": "due"})},
            ExpressionAttributeValues=d.values(**vals),
        )

    def recent(self, sub_id: str, limit: int) -> list[Delivery]:
        answer = d.call(
            "query",
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=d.values(pk=sub_id),
            ScanIndexForward=False,
            Limit=limit,
        )
        return [_delivery(d.from_item(i)) for i in answer.get("Items", [])]

    def due(self, limit: int) -> list[Delivery]:
        """Pending deliveries whose time has come and that no worker holds, oldest first (the sweeper's work list)."""
        answer = d.call(
            "query",
            TableName=self._table,
            IndexName=DUE_INDEX,
            KeyConditionExpression="#due = :due AND next_at <= :now",
            FilterExpression="attribute_not_exists(lease_until) OR lease_until < :now",
            ExpressionAttributeNames={"#due": "due"},
            ExpressionAttributeValues=d.values(due="due", now=d.now()),
            Limit=limit,
        )
        return [_delivery(d.from_item(i)) for i in answer.get("Items", [])]

    def reopen_failed(self, sub_id: str, since_cursor: str | None, limit: int = 500) -> list[Delivery]:
        """Put a subscription's failed deliveries (received after ``since_cursor``) back to pending, due now."""
        condition = "pk = :pk" + (" AND sk > :since" if since_cursor else "")
        vals: dict[str, Any] = {"pk": sub_id, **({"since": since_cursor} if since_cursor else {})}
        answer = d.call(
            "query",
            TableName=self._table,
            KeyConditionExpression=condition,
            FilterExpression="#s = :failed",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues=d.values(failed=DeliveryStatus.FAILED.value, **vals),
            Limit=limit,
        )
        reopened: list[Delivery] = []
        now = d.now()
        for values in map(d.from_item, answer.get("Items", [])):
            try:
                d.call(
                    "update_item",
                    TableName=self._table,
                    Key=self._key(sub_id, str(values["sk"])),
                    UpdateExpression="SET #s = :pending, next_at = :now, #due = :due",
                    ConditionExpression="#s = :failed",
                    ExpressionAttributeNames={"#s": "status", "#due": "due"},
                    ExpressionAttributeValues=d.values(pending=DeliveryStatus.PENDING.value, now=now, due="due", failed=DeliveryStatus.FAILED.value),
                )
            except d.ConditionFailed:
                continue
            reopened.append(_delivery({**values, "status": DeliveryStatus.PENDING.value, "next_at": now}))
        return reopened


def _item(delivery: Delivery, expires_at: int) -> dict[str, Any]:
    return {
        "pk": delivery.subscription_id,
        "sk": delivery.event_cursor,
        "location_id": delivery.location_id,
        "event_key": delivery.event_key,
        "event_id": delivery.event_id,
        "event": delivery.event,
        "status": DeliveryStatus.PENDING.value,
        "attempts": 0,
        "next_at": delivery.next_at,
        "due": "due",
        "log": "[]",
        "expires_at": expires_at,
    }


def _delivery(values: dict[str, Any]) -> Delivery:
    return Delivery(
        subscription_id=str(values["pk"]),
        location_id=str(values["location_id"]),
        event_key=str(values["event_key"]),
        event_cursor=str(values["sk"]),
        event_id=str(values["event_id"]),
        event=str(values["event"]),
        status=DeliveryStatus(str(values["status"])),
        attempts=int(values.get("attempts", 0)),
        next_at=float(values.get("next_at", 0)),
        attempts_log=tuple(Attempt(**a) for a in json.loads(values.get("log") or "[]")),
    )
