"""The shared book of calls to 7stamp: how many calls each wall-clock second may start, per key, across all workers.

One item per key in the keys table (``pace#<key hash>``, TTL on ``expires_at``): the second
being booked (``window``) and how many of its calls are taken (``used``). A worker books
the calls its threads ask for at once with one conditional write, first come first served
(a run of calls may span several seconds: the write moves the window to the run's last),
so two workers can never take the same call; a full second sends the rest to the next. A failed condition hands back the item as it
was found, so the retry needs no extra read, and the last state seen is remembered so
the first write is usually the right one.

A booked call must start within the first ``1 - MARGIN`` seconds of its second, so that
it reaches 7stamp inside that second even when it leaves late. Seconds are wall-clock
seconds of each worker (NTP keeps Lambda's clocks within milliseconds of each other).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from chalicelib.clock import Clock
from chalicelib.store import _dynamo

MARGIN = 0.4  # a call starts in the first 0.6 s of its second: it reaches 7stamp within that second even when sent late or slowly
TRIES = 8
ITEM_SECONDS = 3600  # an idle key's item goes after an hour


@dataclass(frozen=True)
class Booking:
    """One call that may start in the second beginning at ``window`` (Unix seconds)."""

    window: int

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

    def book(self, bucket: str, latests: Sequence[float], lead: float = 0.0) -> list[int | None]:
        """One call for each asker, in their order, in the earliest seconds with room: the second each got, or None when
        none begins by its ``latest``. All of them with one conditional write (a run of calls may span several seconds).

        ``lead``: the seconds an asker needs before it can start a call (a second's calls must start by its ``ends``).
        """
        now = self._clock.now() + lead
        first = int(now) if now < int(now) + 1 - MARGIN else int(now) + 1
        with self._lock:
            seen = self._seen.get(bucket)
        for _ in range(TRIES):
            seconds = self._plan(first, seen, latests)
            taken = [s for s in seconds if s is not None]
            if not taken:
                return seconds
            try:
                found = self._take(bucket, seen, taken)
            except _dynamo.ConditionFailed as exc:
                item = _dynamo.from_item(exc.item or {})
                seen = (int(item["window"]), int(item["used"])) if "window" in item else None
                continue
            with self._lock:
                self._seen[bucket] = found
            return seconds
        return [None] * len(latests)  # a crowd of workers kept winning; the askers try again later

    def _plan(self, first: int, seen: tuple[int, int] | None, latests: Sequence[float]) -> list[int | None]:
        """The seconds the askers would get from the book as last seen, first come first served."""
        window = max(first, seen[0]) if seen else first
        used = seen[1] if seen and seen[0] == window else 0
        seconds: list[int | None] = []
        for latest in latests:
            if used >= self._per_second:
                window, used = window + 1, 0
            if window > latest:
                seconds.append(None)
                continue
            seconds.append(window)
            used += 1
        return seconds

    def full_until(self, bucket: str, latest: float) -> bool:
        """Whether the seconds this worker last saw taken reach past ``latest`` (no second is free by then: no need to ask)."""
        with self._lock:
            seen = self._seen.get(bucket)
        return seen is not None and seen[0] + (1 if seen[1] >= self._per_second else 0) > latest

    def _take(self, bucket: str, seen: tuple[int, int] | None, taken: list[int]) -> tuple[int, int]:
        """One conditional write booking ``taken`` (seconds in order) on the book as ``seen``; its (window, used) after."""
        start, end = taken[0], taken[-1]
        in_start, in_end = taken.count(start), taken.count(end)
        same = seen is not None and seen[0] == start
        if same and end == start:
            update = "SET #u = #u + :n, expires_at = :exp"
        else:
            update = "SET #w = :end, #u = :n_end, expires_at = :exp"
        condition = "#w = :start AND #u <= :room" if same else "attribute_not_exists(pk) OR #w < :start"
        values = {"start": start, "exp": end + ITEM_SECONDS}
        values.update({"n": in_start} if same and end == start else {"end": end, "n_end": in_end})
        if same:
            values["room"] = self._per_second - in_start
        answer = self._db.call(
            "update_item",
            TableName=self._table,
            Key=_dynamo.to_item({"pk": f"pace#{bucket}"}),
            UpdateExpression=update,
            ConditionExpression=condition,
            ExpressionAttributeNames={"#w": "window", "#u": "used"},
            ExpressionAttributeValues=_dynamo.values_of(values),
            ReturnValues="ALL_NEW",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
        item = _dynamo.from_item(answer["Attributes"])
        return int(item["window"]), int(item["used"])
