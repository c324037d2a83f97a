"""Fixed-window counters shared by every worker: at most ``limit`` takes per bucket in each window of ``seconds``.

One item per bucket and window in the keys table (``rate#<bucket>#<window start>``, TTL on
``expires_at``), counted with one conditional write, so concurrent workers never overshoot.
The test route uses it to bound test deliveries per target host (issue 23: the connector
must not be a tool for sending traffic at someone's server on demand).
"""

from __future__ import annotations

import math

from chalicelib.clock import Clock
from chalicelib.store import _dynamo


class RateWindows:
    def __init__(self, db: _dynamo.Dynamo, clock: Clock, table: str) -> None:
        self._db = db
        self._clock = clock
        self._table = table

    def take(self, bucket: str, limit: int, seconds: int) -> int | None:
        """Take one of the current window's ``limit``; None when taken, else the whole seconds until the next window."""
        now = self._clock.now()
        start = int(now // seconds * seconds)
        try:
            self._db.call(
                "update_item",
                TableName=self._table,
                Key=_dynamo.to_item({"pk": f"rate#{bucket}#{start}"}),
                UpdateExpression="ADD used :one SET expires_at = :expires",
                ConditionExpression="attribute_not_exists(used) OR used < :limit",
                ExpressionAttributeValues=_dynamo.values(one=1, expires=start + 2 * seconds, limit=limit),
            )
        except _dynamo.ConditionFailed:
            return max(1, math.ceil(start + seconds - now))
        return None
