"""Stored event records: deduplicated by webhook-id, kept EVENT_RETENTION_DAYS, polled newest first.

Item: ``pk`` = location, ``sk`` = the dedup key (webhook-id, or a hash of the body), ``ts``
= receipt cursor ``<ms>#<hash>``, ``ev`` = ``<location>#<event>``. The local index
``by_time`` (pk, ts) serves ``any``; the global index ``by_event`` (ev, ts) serves one
event. Each poll is one Query whose cost depends on ``limit``, not on how many events
are stored. The table's stream hands each new item to fan-out, so storing and handing
off are one write.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.contract import EVENT_ITEM_MAX_BYTES
from chalicelib.errors import ItemTooLarge
from chalicelib.store import _dynamo as d
from chalicelib.store.records import StoredEvent

BY_TIME = "by_time"
BY_EVENT = "by_event"


def cursor_of(event_id: str) -> str | None:
    """The receipt cursor inside an event id (``evt_<ms>_<hash>``), or None if it is not one of ours."""
    parts = event_id.split("_")
    if len(parts) != 3 or parts[0] != "evt" or not parts[1].isdigit() or not parts[2].isalnum():
        return None
    return f"{int(parts[1]):015d}#{parts[2]}"


def event_id_for(received_ms: int, digest: str) -> tuple[str, str]:
    """The public id and the receipt cursor of a new event."""
    return f"evt_{received_ms}_{digest}", f"{received_ms:015d}#{digest}"


class EventStore:
    def __init__(self, table: str, retention_days: int) -> None:
        self._table = table
        self._ttl = retention_days * 86400

    def put_new(self, event: StoredEvent) -> bool:
        """Store the event unless its dedup key is there already; False for a duplicate."""
        item = {
            "pk": event.location_id,
            "sk": event.key,
            "ts": event.cursor,
            "ev": f"{event.location_id}#{event.name}",
            # as UTF-8, not \u escapes: "é" is 2 bytes stored, not 6
            "body": json.dumps(event.record, separators=(",", ":"), ensure_ascii=False),
            "expires_at": int(d.now()) + self._ttl,
        }
        stored = d.to_item(item)
        size = d.item_size(stored)
        if size > EVENT_ITEM_MAX_BYTES:
            raise ItemTooLarge(
                f"The event would take {size // 1024} KB stored, over the {EVENT_ITEM_MAX_BYTES // 1024} KB an event may take; "
                "numbers written short (1e15) or long lists grow when stored"
            )
        try:
            d.call("put_item", TableName=self._table, Item=stored, ConditionExpression="attribute_not_exists(pk)")
        except d.ConditionFailed:
            return False
        return True

    def get(self, location_id: str, key: str) -> StoredEvent | None:
        item = d.call("get_item", TableName=self._table, Key=d.to_item({"pk": location_id, "sk": key})).get("Item")
        return from_image(d.from_item(item)) if item else None

    def recent(self, location_id: str, event: str | None, limit: int, since: str | None = None) -> list[StoredEvent]:
        """Newest first; with ``since`` (a cursor) only events received after it, the oldest ``limit`` of them."""
        if event is None:
            index, condition = BY_TIME, "pk = :pk"
            vals: dict[str, Any] = {"pk": location_id}
        else:
            index, condition = BY_EVENT, "ev = :pk"
            vals = {"pk": f"{location_id}#{event}"}
        if since:
            condition += " AND ts > :since"
            vals["since"] = since
        answer = d.call(
            "query",
            TableName=self._table,
            IndexName=index,
            KeyConditionExpression=condition,
            ExpressionAttributeValues=d.values(**vals),
            ScanIndexForward=bool(since),
            Limit=limit,
        )
        found = [from_image(d.from_item(i)) for i in answer.get("Items", [])]
        return sorted(found, key=lambda e: e.cursor, reverse=True)


def from_image(values: dict[str, Any]) -> StoredEvent:
    """An event from a stored item or a stream image (already plain values)."""
    return StoredEvent(record=json.loads(values["body"]), key=str(values["sk"]), cursor=str(values["ts"]))
