"""The customers enrichment still has to look up, in order of first need, and the stored events waiting for each.

Two kinds of item in the keys table (TTL on ``expires_at``):

- ``wanted#<location>``: ``order``, the ids of the customers not yet taken for a lookup,
  oldest need first, and ``popped_at``, when a lookup last took one (a drain that stopped
  shows as an old ``popped_at`` beside a non-empty order).
- ``want#<location>#<customer>``: ``keys``, the dedup keys of the events stored awaiting
  that customer, and ``since``, the first need. Whoever creates it appends the customer
  to the order; whoever lands the lookup deletes it and releases the events it names.

Taking the head of the order is one conditional write (``order[0]`` is still that
customer), so of many workers exactly one looks each customer up, and they take them in
order. The order item stays small (customer ids only): each write to it costs about one
write unit per KB, a crowd of 200 customers some 6.
"""

from __future__ import annotations

from typing import Any

from chalicelib.clock import Clock
from chalicelib.store import _dynamo

ITEM_SECONDS = 3600  # a want nobody landed goes after an hour (enrichment gives up on an event after two minutes)


class WantedCustomers:
    def __init__(self, db: _dynamo.Dynamo, clock: Clock, table: str) -> None:
        self._db = db
        self._clock = clock
        self._table = table

    def want(self, location_id: str, customer_id: str, key: str | None) -> float | None:
        """Note that an event (``key``, when it will be stored awaiting) needs the customer; None for the first need, else
        when the first need was noted."""
        now = self._clock.now()
        update = "SET since = if_not_exists(since, :now), expires_at = :exp" + (" ADD #k :k" if key else "")
        answer = self._db.call(
            "update_item",
            TableName=self._table,
            Key=_dynamo.to_item({"pk": f"want#{location_id}#{customer_id}"}),
            UpdateExpression=update,
            ExpressionAttributeValues=_dynamo.values(now=now, exp=int(now) + ITEM_SECONDS, **({"k": {key}} if key else {})),
            **({"ExpressionAttributeNames": {"#k": "keys"}} if key else {}),
            ReturnValues="ALL_OLD",
        )
        since = _dynamo.from_item(answer.get("Attributes", {})).get("since")
        return None if since is None else float(since)

    def append(self, location_id: str, customer_id: str) -> list[str]:
        """Put the customer at the end of the order; the order after it."""
        now = self._clock.now()
        answer = self._db.call(
            "update_item",
            TableName=self._table,
            Key=_dynamo.to_item({"pk": f"wanted#{location_id}"}),
            UpdateExpression="SET #o = list_append(if_not_exists(#o, :none), :c), expires_at = :exp",
            ExpressionAttributeNames={"#o": "order"},
            ExpressionAttributeValues={
                ":none": {"L": []},
                ":c": {"L": [{"S": customer_id}]},
                ":exp": {"N": str(int(now) + ITEM_SECONDS)},
            },
            ReturnValues="ALL_NEW",
        )
        return _order(answer.get("Attributes", {}))

    def state(self, location_id: str) -> tuple[list[str], float]:
        """The order and when a lookup last took from it (one read)."""
        item = self._db.call("get_item", TableName=self._table, Key=_dynamo.to_item({"pk": f"wanted#{location_id}"})).get("Item", {})
        return _order(item), float(_dynamo.from_item(item).get("popped_at", 0)) if item else 0.0

    def pop(self, location_id: str, customer_id: str) -> tuple[bool, list[str]]:
        """Take the customer at the head of the order for a lookup: whether this caller got it, and the order now."""
        try:
            answer = self._db.call(
                "update_item",
                TableName=self._table,
                Key=_dynamo.to_item({"pk": f"wanted#{location_id}"}),
                UpdateExpression="REMOVE #o[0] SET popped_at = :now",
                ConditionExpression="#o[0] = :c",
                ExpressionAttributeNames={"#o": "order"},
                ExpressionAttributeValues=_dynamo.values(c=customer_id, now=self._clock.now()),
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except _dynamo.ConditionFailed as taken:
            return False, _order(taken.item or {})
        return True, _order(answer.get("Attributes", {}))

    def restart(self, location_id: str, popped_at: float) -> bool:
        """Claim a drain that stopped (``popped_at`` as read): True for the one caller that should start a new one."""
        try:
            self._db.call(
                "update_item",
                TableName=self._table,
                Key=_dynamo.to_item({"pk": f"wanted#{location_id}"}),
                UpdateExpression="SET popped_at = :now",
                ConditionExpression="attribute_not_exists(popped_at) OR popped_at = :seen",
                ExpressionAttributeValues=_dynamo.values(now=self._clock.now(), seen=popped_at),
            )
        except _dynamo.ConditionFailed:
            return False
        return True

    def collect(self, location_id: str, customer_id: str) -> list[str]:
        """The keys of the events waiting for a customer just looked up, forgetting them (one delete)."""
        answer = self._db.call(
            "delete_item",
            TableName=self._table,
            Key=_dynamo.to_item({"pk": f"want#{location_id}#{customer_id}"}),
            ReturnValues="ALL_OLD",
        )
        return sorted(_dynamo.from_item(answer.get("Attributes", {})).get("keys", set()))


def _order(item: dict[str, Any]) -> list[str]:
    return [str(v.get("S", "")) for v in item.get("order", {}).get("L", [])]
