"""REST-hook subscriptions, one partition per tenant, so no query can reach another location's.

Beside each subscription (sort key ``hook_…``) its partition holds one target item per
(event, target URL) naming the subscription that holds it (sort key ``target#<event>#<sha256 of
the URL>``). Both are written and deleted in one transaction, so two concurrent subscribes of
the same event and URL cannot both succeed: one event never becomes two POSTs to one target.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Any

from chalicelib.clock import Clock
from chalicelib.store import _dynamo
from chalicelib.store.records import Subscription

HOOK_PREFIX = "hook_"  # every subscription id starts so; the partition's other items (targets) never do


def _target_key(location_id: str, event: str, target_url: str) -> dict[str, Any]:
    return _dynamo.to_item({"pk": location_id, "sk": f"target#{event}#{hashlib.sha256(target_url.encode()).hexdigest()}"})


class SubscriptionStore:
    def __init__(self, db: _dynamo.Dynamo, clock: Clock, table: str) -> None:
        self._db = db
        self._clock = clock
        self._table = table

    def create(self, sub: Subscription) -> str | None:
        """Store ``sub``; None when stored, else the id of the location's subscription that already holds its event and URL."""
        item = {
            "pk": sub.location_id,
            "sk": sub.id,
            "event": sub.event,
            "target_url": sub.target_url,
            "filters": json.dumps(sub.filters),
            "secret": sub.secret,
            "created_at": sub.created_at,
        }
        target = _target_key(sub.location_id, sub.event, sub.target_url)
        for _ in range(3):  # a target deleted between the refused write and its read: try again
            try:
                self._db.call(
                    "transact_write_items",
                    TransactItems=[
                        {"Put": {"TableName": self._table, "Item": {**target, "hook_id": {"S": sub.id}}, "ConditionExpression": _ABSENT}},
                        {"Put": {"TableName": self._table, "Item": _dynamo.to_item(item), "ConditionExpression": _ABSENT}},
                    ],
                )
                return None
            except _dynamo.ConditionFailed:
                held = self._db.call("get_item", TableName=self._table, Key=target, ConsistentRead=True).get("Item")
                if held:
                    return str(_dynamo.from_item(held)["hook_id"])
        raise _dynamo.StoreUnavailable("The connector's storage kept refusing a new subscription")

    def get(self, location_id: str, sub_id: str) -> Subscription | None:
        if not sub_id.startswith(HOOK_PREFIX):
            return None  # not a subscription's id (a target item's key, or made up)
        item = self._db.call(
            "get_item", TableName=self._table, Key=_dynamo.to_item({"pk": location_id, "sk": sub_id}), ConsistentRead=True
        ).get("Item")
        return _subscription(_dynamo.from_item(item)) if item else None

    def get_many(self, location_id: str, sub_ids: list[str]) -> dict[str, Subscription]:
        items = self._db.batch_get(self._table, [{"pk": location_id, "sk": s} for s in dict.fromkeys(sub_ids)])
        return {s.id: s for s in map(_subscription, items)}

    def list(self, location_id: str) -> list[Subscription]:
        subs: list[Subscription] = []
        start: dict[str, Any] | None = None
        for _ in range(1000):
            answer = self._db.call(
                "query",
                TableName=self._table,
                KeyConditionExpression="pk = :pk AND begins_with(sk, :hook)",
                ExpressionAttributeValues=_dynamo.values(pk=location_id, hook=HOOK_PREFIX),
                **({"ExclusiveStartKey": start} if start else {}),
            )
            subs.extend(_subscription(_dynamo.from_item(i)) for i in answer.get("Items", []))
            start = answer.get("LastEvaluatedKey")
            if not start:
                break
        return subs

    def delete(self, location_id: str, sub_id: str) -> bool:
        """False when there was no such subscription for this tenant; its target item goes with it."""
        sub = self.get(location_id, sub_id)
        if sub is None:
            return False
        key = _dynamo.to_item({"pk": location_id, "sk": sub_id})
        # The target names this subscription: subscribe refuses a second one of the same event and URL.
        target = _target_key(location_id, sub.event, sub.target_url)
        try:
            self._db.call(
                "transact_write_items",
                TransactItems=[
                    {"Delete": {"TableName": self._table, "Key": key, "ConditionExpression": "attribute_exists(pk)"}},
                    {"Delete": {"TableName": self._table, "Key": target}},
                ],
            )
        except _dynamo.ConditionFailed:
            return False  # deleted meanwhile
        return True

    def record_success(self, location_id: str, sub_id: str) -> None:
        """A delivered attempt: the failure record and the breaker start clean."""
        self._update(location_id, sub_id, "REMOVE failing_since, strikes, last_failed_at, hung_at, probe_until", {})

    def record_failure(self, location_id: str, sub_id: str, disable_after: float, timed_out: bool = False) -> Subscription | None:
        """Note a failed attempt (``timed_out``: it hung); returns the subscription as it is now, None when it is gone.

        A subscription is disabled (``disabled`` in the answer) once it has only failed for ``disable_after`` seconds.
        """
        now = self._clock.now()
        hung = ", hung_at = :now" if timed_out else ""  # kept until the next delivered attempt, whatever fails after it
        try:
            answer = self._db.call(
                "update_item",
                TableName=self._table,
                Key=_dynamo.to_item({"pk": location_id, "sk": sub_id}),
                UpdateExpression=(
                    "SET failing_since = if_not_exists(failing_since, :now), strikes = if_not_exists(strikes, :zero) + :one,"
                    f" last_failed_at = :now{hung} REMOVE probe_until"
                ),
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues=_dynamo.values(now=now, zero=0, one=1),
                ReturnValues="ALL_NEW",
            )
        except _dynamo.ConditionFailed:
            return None
        sub = _subscription(_dynamo.from_item(answer["Attributes"]))
        if sub.disabled or now - (sub.failing_since or now) < disable_after:
            return sub
        reason = f"every delivery failed for {round(disable_after / 86400)} days"
        self.disable(location_id, sub_id, reason)
        return replace(sub, disabled=True, disabled_at=now, disabled_reason=reason)

    def close_breaker(self, location_id: str, sub_id: str) -> None:
        """Let every delivery be attempted again (a replay); ``failing_since`` stays, so the five days still run."""
        self._update(location_id, sub_id, "REMOVE strikes, last_failed_at, hung_at, probe_until", {})

    def take_probe(self, location_id: str, sub_id: str, until: float) -> bool:
        """Become the one attempt probing a held endpoint, until ``until``; False when another worker's probe runs."""
        taken = self._db.update_if(
            self._table,
            {"pk": location_id, "sk": sub_id},
            "SET probe_until = :until",
            "attribute_exists(pk) AND (attribute_not_exists(probe_until) OR probe_until < :now)",
            {"until": until, "now": self._clock.now()},
        )
        return taken is not None

    def disable(self, location_id: str, sub_id: str, reason: str) -> bool:
        """Stop deliveries, keeping why and since when for the console; False when there is no such subscription."""
        return self._update(
            location_id,
            sub_id,
            "SET #d = :yes, disabled_at = :now, disabled_reason = :why",
            {"yes": True, "now": self._clock.now(), "why": reason[:200]},
            {"#d": "disabled"},
        )

    def enable(self, location_id: str, sub_id: str) -> bool:
        """Deliver again from the next event on, with a clean failure record; False when there is no such subscription."""
        return self._update(
            location_id,
            sub_id,
            "REMOVE #d, disabled_at, disabled_reason, failing_since, strikes, last_failed_at, hung_at, probe_until",
            {},
            {"#d": "disabled"},
        )

    def _update(self, location_id: str, sub_id: str, expression: str, vals: dict[str, Any], names: dict[str, str] | None = None) -> bool:
        try:
            self._db.call(
                "update_item",
                TableName=self._table,
                Key=_dynamo.to_item({"pk": location_id, "sk": sub_id}),
                UpdateExpression=expression,
                ConditionExpression="attribute_exists(pk)",
                **({"ExpressionAttributeValues": _dynamo.values(**vals)} if vals else {}),
                **({"ExpressionAttributeNames": names} if names else {}),
            )
        except _dynamo.ConditionFailed:
            return False  # unsubscribed meanwhile: nothing to record
        return True


_ABSENT = "attribute_not_exists(pk)"


def _subscription(values: dict[str, Any]) -> Subscription:
    return Subscription(
        id=str(values["sk"]),
        location_id=str(values["pk"]),
        event=str(values["event"]),
        target_url=str(values["target_url"]),
        filters=json.loads(values.get("filters") or "{}"),
        secret=str(values["secret"]),
        created_at=str(values["created_at"]),
        disabled=bool(values.get("disabled", False)),
        failing_since=float(values["failing_since"]) if values.get("failing_since") is not None else None,
        disabled_at=float(values["disabled_at"]) if values.get("disabled_at") is not None else None,
        disabled_reason=str(values["disabled_reason"]) if values.get("disabled_reason") is not None else None,
        strikes=int(values.get("strikes", 0)),
        last_failed_at=float(values["last_failed_at"]) if values.get("last_failed_at") is not None else None,
        hung_at=float(values["hung_at"]) if values.get("hung_at") is not None else None,
        probe_until=float(values["probe_until"]) if values.get("probe_until") is not None else None,
    )
