"""Stored event records: deduplicated by webhook-id, kept EVENT_RETENTION_DAYS, polled newest first.

Item: ``pk`` = location, ``sk`` = the dedup key (webhook-id, or a hash of the body), ``ts``
= receipt cursor ``<ms>#<hash>``, ``ev`` = ``<location>#<event>``, ``body`` = the record's
JSON text, ``awaiting`` = 1 and ``held`` = the location while the event waits for its
enrichment. The local index ``by_time`` (pk, ts) serves ``any``; the global index
``by_event`` (ev, ts) serves one event; the sparse global index ``held`` (held, ts) holds
only the events awaiting enrichment (keys only), so finding the oldest is one small Query. Each poll is one Query
whose cost depends on ``limit``, not on how many events
are stored. The table's stream hands each new item to fan-out (and an awaiting one once
it is released), so storing and handing off are one write.

Polling with ``since`` never skips an event: the cursor is taken immediately before the
write, and a ``since`` answer stops at the horizon (now minus HORIZON_SECONDS) and before the
first event still awaiting enrichment. The write usually lands within WRITE_BOUND seconds of
its cursor (``call_bounded``), but a client's timeout does not stop a request DynamoDB already
has, and a worker can stall between the cursor and the write: such a write can land after a
poller passed its cursor (and 7stamp's retry of it is then a duplicate). So the writes
themselves are watched: the table's stream says when each landed, and fan-out gives an event
that landed more than LATE_SECONDS after its cursor a fresh one (``move``), newer than any
horizon handed out before it landed. A move that lands late itself is moved again. The
event's id (in its body, what subscribers got) stays; only its place in ``since`` order moves.

A poller that remembers only the newest (time, id) it took, as Make's watch modules do,
reads ``settled`` answers instead: newest first, only events older than the horizon and
than every event still awaiting enrichment, paged backwards with ``before``. An event
stored or released later always carries a newer time than any that such an answer held.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.clock import Clock
from chalicelib.contract.limits import EVENT_ITEM_MAX_BYTES
from chalicelib.errors import ItemTooLarge
from chalicelib.store import _dynamo
from chalicelib.store.records import EventText, StoredEvent

BY_TIME = "by_time"
BY_EVENT = "by_event"
HELD = "held"
HORIZON_SECONDS = 20.0
AWAIT_BLOCKS_SECONDS = 300.0  # an event awaiting enrichment longer than this no longer holds ``since`` pollers back
LATE_SECONDS = 10.0  # a write that landed later than this after its cursor gets a fresh one
assert HORIZON_SECONDS > _dynamo.WRITE_BOUND
assert HORIZON_SECONDS > LATE_SECONDS + 1  # the stream's landing time is rounded down to the second on AWS


def cursor_of(event_id: str) -> str | None:
    """The receipt cursor inside an event id (``evt_<ms>_<hash>``), or None if it is not one of ours."""
    parts = event_id.split("_")
    if len(parts) != 3 or parts[0] != "evt" or not parts[1].isdigit() or not parts[2].isalnum():
        return None
    return f"{int(parts[1]):015d}#{parts[2]}"


def id_of(cursor: str) -> str:
    """The public id of the event stored at ``cursor`` (the inverse of ``cursor_of``)."""
    millis, digest = cursor.split("#", 1)
    return f"evt_{int(millis)}_{digest}"


def received_at(cursor: str) -> float:
    """When the event at ``cursor`` was received, in seconds."""
    return int(cursor.split("#", 1)[0]) / 1000


def landed_late(cursor: str, landed: float) -> bool:
    """Whether a write of ``cursor`` that landed at ``landed`` may have landed behind a horizon already handed out."""
    return landed - received_at(cursor) > LATE_SECONDS


def event_id_for(received_ms: int, digest: str) -> tuple[str, str]:
    """The public id and the receipt cursor of a new event."""
    return f"evt_{received_ms}_{digest}", f"{received_ms:015d}#{digest}"


class EventStore:
    def __init__(self, db: _dynamo.Dynamo, clock: Clock, table: str, retention_days: int) -> None:
        self._db = db
        self._clock = clock
        self._table = table
        self._ttl = retention_days * 86400

    def put_new(self, location_id: str, key: str, digest: str, record: dict[str, Any], *, awaiting: bool = False) -> tuple[str, bool]:
        """Store the event unless its dedup key is there already; returns its id and whether it is new.

        The receipt cursor (and the id made from it) is taken here, immediately before
        the one bounded write, for polling's guarantee. A duplicate costs no second call:
        the failed condition hands back the stored item.
        """
        received_ms = int(self._clock.now() * 1000)
        event_id, cursor = event_id_for(received_ms, digest)
        item = {
            "pk": location_id,
            "sk": key,
            "ts": cursor,
            "ev": f"{location_id}#{record['event']}",
            # as UTF-8, not \u escapes: "é" is 2 bytes stored, not 6
            "body": json.dumps({**record, "id": event_id}, separators=(",", ":"), ensure_ascii=False),
            "expires_at": received_ms // 1000 + self._ttl,
            "awaiting": 1 if awaiting else None,
            "held": location_id if awaiting else None,
        }
        stored = _dynamo.to_item(item)
        size = _dynamo.item_size(stored)
        if size > EVENT_ITEM_MAX_BYTES:
            raise ItemTooLarge(
                f"The event would take {size // 1024} KB stored, over the {EVENT_ITEM_MAX_BYTES // 1024} KB an event may take; "
                "numbers written short (1e15) or long lists grow when stored"
            )
        try:
            self._db.call_bounded(
                "put_item",
                TableName=self._table,
                Item=stored,
                ConditionExpression="attribute_not_exists(pk)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except _dynamo.ConditionFailed as duplicate:
            return id_of(str(_dynamo.from_item(duplicate.item or {}).get("ts", cursor))), False
        return event_id, True

    @staticmethod
    def from_stream(image: dict[str, Any]) -> StoredEvent:
        """The event a stream record's new image holds (DynamoDB's typed JSON); decoding a hostile body may raise."""
        return _event(_dynamo.from_item(image))

    def get_by_stream_keys(self, keys: dict[str, Any]) -> StoredEvent | None:
        """The current item of the event a stream record's ``Keys`` name (parked records are put back by their keys)."""
        plain = _dynamo.from_item(keys)
        return self.get(str(plain["pk"]), str(plain["sk"]))

    def get(self, location_id: str, key: str) -> StoredEvent | None:
        item = self._db.call("get_item", TableName=self._table, Key=_dynamo.to_item({"pk": location_id, "sk": key})).get("Item")
        return _event(_dynamo.from_item(item)) if item else None

    def release(self, location_id: str, key: str, record: dict[str, Any]) -> bool:
        """Store the enriched (or finally unenriched) record of an awaiting event and hand it to fan-out; False if done before."""
        try:
            self._db.call(
                "update_item",
                TableName=self._table,
                Key=_dynamo.to_item({"pk": location_id, "sk": key}),
                UpdateExpression="SET body = :body REMOVE awaiting, #h, moved",
                ConditionExpression="attribute_exists(awaiting)",
                ExpressionAttributeNames={"#h": HELD},
                ExpressionAttributeValues=_dynamo.values(body=json.dumps(record, separators=(",", ":"), ensure_ascii=False)),
            )
        except _dynamo.ConditionFailed:
            return False
        return True

    def move(self, event: StoredEvent) -> str | None:
        """Give an event that landed late a fresh cursor, newer than every horizon so far; None if it was moved already.

        Conditional on the cursor it had, so a stale move (a stream batch handled again) changes nothing; ``moved``
        names the new cursor, so fan-out knows the stream record of this write from a new or released event.
        """
        cursor = f"{int(self._clock.now() * 1000):015d}#{event.cursor.split('#', 1)[1]}"
        try:
            self._db.call(
                "update_item",
                TableName=self._table,
                Key=_dynamo.to_item({"pk": event.location_id, "sk": event.dedup_key}),
                UpdateExpression="SET ts = :new, moved = :new",
                ConditionExpression="ts = :old",
                ExpressionAttributeValues=_dynamo.values(new=cursor, old=event.cursor),
            )
        except _dynamo.ConditionFailed:
            return None
        return cursor

    def recent(self, location_id: str, event: str | None, limit: int) -> list[EventText]:
        """The newest ``limit`` events, newest first, leaving out any still awaiting enrichment."""
        found, _ = self._query(location_id, event, "", {}, newest_first=True, limit=limit)
        return [e for e in found if not e.awaiting]

    def horizon(self) -> str:
        """The newest cursor a ``since`` answer may reach now: every write that could precede it has landed."""
        return f"{int((self._clock.now() - HORIZON_SECONDS) * 1000):015d}#0"

    def settled(self, location_id: str, event: str | None, before: str | None, limit: int) -> tuple[list[EventText], str | None]:
        """Up to ``limit`` settled events, newest first (older than cursor ``before`` when given), and the ``before`` of the next page.

        Settled: older than the horizon and than the location's oldest event still awaiting
        enrichment (unless that has waited over AWAIT_BLOCKS_SECONDS), so no write still to
        come can precede it. Two Queries: the sparse ``held`` index (one key at most), then
        the page. An event awaiting longer than that bound is served as stored, as it would
        otherwise never reach a poller that has passed its time.
        """
        bound = min(self.horizon(), self._oldest_held(location_id) or "~", before or "~")
        found, more = self._query(location_id, event, " AND ts < :bound", {"bound": bound}, newest_first=True, limit=limit)
        return found, (found[-1].cursor if found and more else None)

    def _query(
        self, location_id: str, event: str | None, cursors: str, values: dict[str, Any], *, newest_first: bool, limit: int
    ) -> tuple[list[EventText], bool]:
        """One Query of the tenant's (or one event's) index over a range of cursors: the events, and whether more may follow."""
        index, condition, vals = _partition(location_id, event)
        answer = self._db.call(
            "query",
            TableName=self._table,
            IndexName=index,
            KeyConditionExpression=condition + cursors,
            ProjectionExpression="ts, body, awaiting",
            ExpressionAttributeValues=_dynamo.values(**values, **vals),
            ScanIndexForward=not newest_first,
            Limit=limit,
        )
        return list(map(_text, answer.get("Items", []))), bool(answer.get("LastEvaluatedKey"))

    def _oldest_held(self, location_id: str) -> str | None:
        """The cursor of the location's oldest event awaiting enrichment for less than AWAIT_BLOCKS_SECONDS, if any."""
        oldest = f"{int((self._clock.now() - AWAIT_BLOCKS_SECONDS) * 1000):015d}#0"
        answer = self._db.call(
            "query",
            TableName=self._table,
            IndexName=HELD,
            KeyConditionExpression="#h = :loc AND ts >= :oldest",
            ProjectionExpression="ts",
            ExpressionAttributeNames={"#h": HELD},
            ExpressionAttributeValues=_dynamo.values(loc=location_id, oldest=oldest),
            ScanIndexForward=True,
            Limit=1,
        )
        items = answer.get("Items", [])
        return str(_dynamo.from_item(items[0])["ts"]) if items else None

    def since(self, location_id: str, event: str | None, since: str, limit: int) -> list[EventText]:
        """Up to ``limit`` events received after cursor ``since``, newest first, none past the horizon or an awaiting one.

        One Query, oldest first, between ``since`` and the horizon; the answer is cut
        before the first event still awaiting enrichment (unless it has waited longer
        than AWAIT_BLOCKS_SECONDS), so the next ``since`` can never pass it.
        """
        now = self._clock.now()
        horizon = self.horizon().replace("#0", "#~")  # every digest of the horizon's millisecond
        if horizon <= since:
            return []
        between = " AND ts BETWEEN :since AND :horizon"
        page, _ = self._query(
            location_id, event, between, {"since": since, "horizon": horizon}, newest_first=False, limit=limit + 1
        )  # BETWEEN includes ``since``
        found: list[EventText] = []
        for e in page:
            if e.cursor == since:
                continue
            if e.awaiting and now - received_at(e.cursor) < AWAIT_BLOCKS_SECONDS:
                break
            found.append(e)
        return found[:limit][::-1]


def _partition(location_id: str, event: str | None) -> tuple[str, str, dict[str, Any]]:
    if event is None:
        return BY_TIME, "pk = :pk", {"pk": location_id}
    return BY_EVENT, "ev = :pk", {"pk": f"{location_id}#{event}"}


def _text(item: dict[str, Any]) -> EventText:
    values = _dynamo.from_item(item)
    return EventText(cursor=str(values["ts"]), text=str(values["body"]), awaiting=bool(values.get("awaiting")))


def _event(values: dict[str, Any]) -> StoredEvent:
    """An event from a stored item or a stream image (already plain values); decoding a hostile body may raise."""
    text = str(values["body"])
    return StoredEvent(
        record=json.loads(text),
        dedup_key=str(values["sk"]),
        cursor=str(values["ts"]),
        text=text,
        awaiting=bool(values.get("awaiting")),
        moved=values.get("moved") == values["ts"],
    )
