"""The shared book of calls to 7stamp: how many calls each wall-clock second may start, per key, across all workers.

One item per key in the keys table (``pace#<key hash>``, TTL on ``expires_at``): the second
being booked (``window``) and how many of its calls are taken (``used``). A worker books
several calls with one conditional write, so two workers can never take the same call;
a full second sends it to the next one. A failed condition hands back the item as it
was found, so the retry needs no extra read, and the last state seen is remembered so
the first write is usually the right one.

A booked call must start within the first ``1 - MARGIN`` seconds of its second, so that
it reaches 7stamp inside that second even when it leaves late. Seconds are wall-clock
seconds of each worker (NTP keeps Lambda's clocks within milliseconds of each other).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from chalicelib.clock import Clock
from chalicelib.store import _dynamo

MARGIN = 0.4  # a call starts in the first 0.6 s of its second: it reaches 7stamp within that second even when sent late or slowly
TRIES = 8
ITEM_SECONDS = 3600  # an idle key's item goes after an hour


@dataclass(frozen=True)
class Booking:
    """``count`` calls that may start in the second beginning at ``window`` (Unix seconds)."""

    window: int
    count: int

    @property
    def ends(self) -> float:
        """The last moment a call of this booking may start."""
        return self.window + 1 - MARGIN


class PaceBook:
    """Books 7stamp calls for a key: at most ``per_second`` start in any wall-clock second."""

    def __init__(self, db: _dynamo.Dynamo, clock: Clock, table: str, per_second: int) -> None:
        self._db = db
        self._clock = clock
        self._table = table
        self._per_second = per_second
        self._seen: dict[str, tuple[int, int]] = {}  # bucket -> (window, used) as last written or found
        self._lock = threading.Lock()

    def book(self, bucket: str, count: int, latest: float, lead: float = 0.0) -> Booking | None:
        """Up to ``count`` calls in the earliest second with room that begins by ``latest``; None when none does.

        ``lead``: the seconds the caller needs before it can start a call (the second's calls must start by ``ends``).
        """
        now = self._clock.now() + lead
        first = int(now) if now < int(now) + 1 - MARGIN else int(now) + 1
        with self._lock:
            seen = self._seen.get(bucket)
        for _ in range(TRIES):
            window = max(first, seen[0]) if seen else first
            if seen and seen[0] == window and seen[1] >= self._per_second:
                window += 1
            if window > latest:
                return None
            same = seen is not None and seen[0] == window
            wanted = min(count, self._per_second - (seen[1] if same and seen else 0))
            try:
                used = self._take(bucket, window, wanted, same)
            except _dynamo.ConditionFailed as exc:
                item = _dynamo.from_item(exc.item or {})
                seen = (int(item["window"]), int(item["used"])) if "window" in item else None
                continue
            with self._lock:
                self._seen[bucket] = (window, used)
            return Booking(window, wanted)
        return None  # a crowd of workers kept winning; the caller tries again later

    def _take(self, bucket: str, window: int, wanted: int, same: bool) -> int:
        """One conditional write; ``used`` after it."""
        key = _dynamo.to_item({"pk": f"pace#{bucket}"})
        if same:
            update = "SET #u = #u + :n, expires_at = :exp"
            condition = "#w = :w AND #u <= :room"
        else:
            update = "SET #w = :w, #u = :n, expires_at = :exp"
            condition = "attribute_not_exists(pk) OR #w < :w"
        values = _dynamo.values(w=window, n=wanted, exp=window + ITEM_SECONDS, **({"room": self._per_second - wanted} if same else {}))
        answer = self._db.call(
            "update_item",
            TableName=self._table,
            Key=key,
            UpdateExpression=update,
            ConditionExpression=condition,
            ExpressionAttributeNames={"#w": "window", "#u": "used"},
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
        return int(_dynamo.from_item(answer["Attributes"])["used"])
