"""Idempotency records of the connector's write actions, per tenant, for IDEMPOTENCY_HOURS.

A record is first written IN_PROGRESS (conditionally, so two concurrent calls with one
key cannot both run), then COMPLETED with the response; a failed call deletes its record
so that the caller may retry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from chalicelib.clock import Clock
from chalicelib.store import _dynamo

IN_PROGRESS_SECONDS = 60


class IdempotencyStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


@dataclass(frozen=True)
class IdempotencyRecord:
    status: IdempotencyStatus
    fingerprint: str
    response: Any = None


class IdempotencyStore:
    def __init__(self, db: _dynamo.Dynamo, clock: Clock, table: str, hours: int) -> None:
        self._db = db
        self._clock = clock
        self._table = table
        self._ttl = hours * 3600

    def _key(self, location_id: str, key: str) -> dict[str, Any]:
        return _dynamo.to_item({"pk": f"{location_id}#{key}"})

    def begin(self, location_id: str, key: str, fingerprint: str) -> IdempotencyRecord | None:
        """Claim the key; None when this call may proceed, else the record that is already there."""
        for _ in range(3):  # a record may expire and vanish between the write and the read
            now = int(self._clock.now())
            item = {
                "pk": f"{location_id}#{key}",
                "status": IdempotencyStatus.IN_PROGRESS.value,
                "fingerprint": fingerprint,
                "expires_at": now + self._ttl,
                "in_progress_until": now + IN_PROGRESS_SECONDS,
            }
            try:
                self._db.call(
                    "put_item",
                    TableName=self._table,
                    Item=_dynamo.to_item(item),
                    ConditionExpression="attribute_not_exists(pk) OR expires_at < :now OR (#s = :progress AND in_progress_until < :now)",
                    ExpressionAttributeNames={"#s": "status"},
                    ExpressionAttributeValues=_dynamo.values(now=now, progress=IdempotencyStatus.IN_PROGRESS.value),
                )
                return None
            except _dynamo.ConditionFailed:
                pass
            existing = self._db.call("get_item", TableName=self._table, Key=self._key(location_id, key), ConsistentRead=True).get("Item")
            if existing:
                values = _dynamo.from_item(existing)
                response = json.loads(values["response"]) if values.get("response") else None
                return IdempotencyRecord(IdempotencyStatus(values["status"]), str(values["fingerprint"]), response)
        raise _dynamo.StoreUnavailable("The idempotency record could not be read")

    def complete(self, location_id: str, key: str, response: Any) -> None:
        self._db.call(
            "update_item",
            TableName=self._table,
            Key=self._key(location_id, key),
            UpdateExpression="SET #s = :done, #r = :response REMOVE in_progress_until",
            ExpressionAttributeNames={"#s": "status", "#r": "response"},
            ExpressionAttributeValues=_dynamo.values(done=IdempotencyStatus.COMPLETED.value, response=json.dumps(response)),
        )

    def abort(self, location_id: str, key: str) -> None:
        self._db.call("delete_item", TableName=self._table, Key=self._key(location_id, key))
