"""The console's reads of delivery records: across a tenant's subscriptions, one at a time, counted.

Item shape and writes: ``store/deliveries.py``. The index ``by_location`` (location_id,
sk) projects only ``status`` and ``event``, so it costs an index write only when a
delivery is created or changes status (not on every attempt's log), a filtered page is
Queries on the index plus one BatchGet of the records it names, and counting reads no logs.
"""

from __future__ import annotations

from typing import Any

from chalicelib.clock import Clock
from chalicelib.store import _dynamo
from chalicelib.store.deliveries import record_of
from chalicelib.store.records import DeliveryRecord, DeliveryStatus

BY_LOCATION = "by_location"
MAX_QUERIES = 10  # per page or count: bounded work for any filter, however rare its matches


class DeliveryLog:
    def __init__(self, db: _dynamo.Dynamo, clock: Clock, table: str) -> None:
        self._db = db
        self._clock = clock
        self._table = table

    def page(
        self, location_id: str, *, status: str | None, event: str | None, since: str | None, limit: int, after: tuple[str, str] | None
    ) -> tuple[list[DeliveryRecord], tuple[str, str] | None]:
        """Newest first, at most ``limit``; ``after`` and the returned key are (sk, subscription id) of the last row shown."""
        condition = "location_id = :loc" + (" AND sk > :since" if since else "")
        filters, names, vals = [], {}, {"loc": location_id, **({"since": since} if since else {})}
        if status:
            filters.append("#s = :status")
            names["#s"], vals["status"] = "status", status
        if event:
            filters.append("#e = :event")
            names["#e"], vals["event"] = "event", event
        start = {"location_id": location_id, "sk": after[0], "pk": after[1]} if after else None
        keys: list[tuple[str, str]] = []
        more = False
        for _ in range(MAX_QUERIES):
            answer = self._db.call(
                "query",
                TableName=self._table,
                IndexName=BY_LOCATION,
                KeyConditionExpression=condition,
                ExpressionAttributeValues=_dynamo.values(**vals),
                ScanIndexForward=False,
                Limit=limit,
                **({"FilterExpression": " AND ".join(filters), "ExpressionAttributeNames": names} if filters else {}),
                **({"ExclusiveStartKey": _dynamo.to_item(start)} if start else {}),
            )
            for item in map(_dynamo.from_item, answer.get("Items", [])):
                keys.append((str(item["sk"]), str(item["pk"])))
            raw_start = answer.get("LastEvaluatedKey")
            more = bool(raw_start)
            if len(keys) >= limit or not raw_start:
                break
            start = _dynamo.from_item(raw_start)
        if len(keys) > limit:
            keys, more = keys[:limit], True
        found = {
            (str(v["sk"]), str(v["pk"])): record_of(v) for v in self._db.batch_get(self._table, [{"pk": pk, "sk": sk} for sk, pk in keys])
        }
        rows = [found[k] for k in keys if k in found]
        return rows, (keys[-1] if more and keys else None)

    def get(self, sub_id: str, cursor: str) -> DeliveryRecord | None:
        item = self._db.call("get_item", TableName=self._table, Key=_dynamo.to_item({"pk": sub_id, "sk": cursor}), ConsistentRead=True).get(
            "Item"
        )
        return record_of(_dynamo.from_item(item)) if item else None

    def statuses(self, sub_id: str, since: str) -> list[tuple[str, DeliveryStatus]]:
        """(cursor, status) of a subscription's deliveries received after ``since``, newest first."""
        return self._statuses(
            IndexName=None,
            KeyConditionExpression="pk = :pk AND sk > :since",
            ExpressionAttributeValues=_dynamo.values(pk=sub_id, since=since),
        )

    def latest(self, sub_id: str) -> tuple[str, DeliveryStatus] | None:
        """(cursor, status) of the subscription's newest delivery, however old."""
        answer = self._db.call(
            "query",
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=_dynamo.values(pk=sub_id),
            ProjectionExpression="sk, #s",
            ExpressionAttributeNames={"#s": "status"},
            ScanIndexForward=False,
            Limit=1,
        )
        items = [_dynamo.from_item(i) for i in answer.get("Items", [])]
        return (str(items[0]["sk"]), DeliveryStatus(str(items[0]["status"]))) if items else None

    def tenant_statuses(self, location_id: str, since: str) -> list[tuple[str, DeliveryStatus]]:
        """(cursor, status) of every delivery of the tenant received after ``since`` (the hourly chart)."""
        return self._statuses(
            IndexName=BY_LOCATION,
            KeyConditionExpression="location_id = :loc AND sk > :since",
            ExpressionAttributeValues=_dynamo.values(loc=location_id, since=since),
        )

    def recent(self, sub_id: str, limit: int) -> list[DeliveryRecord]:
        """A subscription's latest deliveries, newest first (the console's log of one hook)."""
        answer = self._db.call(
            "query",
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=_dynamo.values(pk=sub_id),
            ScanIndexForward=False,
            Limit=limit,
        )
        return [record_of(_dynamo.from_item(i)) for i in answer.get("Items", [])]

    def _statuses(self, IndexName: str | None, **query: Any) -> list[tuple[str, DeliveryStatus]]:  # noqa: N803 (boto3's name)
        found: list[tuple[str, DeliveryStatus]] = []
        start: dict[str, Any] | None = None
        for _ in range(MAX_QUERIES):
            answer = self._db.call(
                "query",
                TableName=self._table,
                ProjectionExpression="sk, #s",
                ExpressionAttributeNames={"#s": "status"},
                ScanIndexForward=False,
                **({"IndexName": IndexName} if IndexName else {}),
                **({"ExclusiveStartKey": start} if start else {}),
                **query,
            )
            found.extend((str(v["sk"]), DeliveryStatus(str(v["status"]))) for v in map(_dynamo.from_item, answer.get("Items", [])))
            start = answer.get("LastEvaluatedKey")
            if not start:
                break
        return found
