"""Each location's connection with 7stamp; its inbound token is ``<location id>.<random>``, so it leads back in one read.

Besides ``loc#<location>`` items, the table holds one ``slot#<minute>`` item per minute of the hour, listing the
locations whose hourly registration check falls in that minute: the sweeper reads one slot a minute (one GetItem), so
the checks are spread over the hour without a scan.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator

from chalicelib.clock import Clock
from chalicelib.store import _dynamo
from chalicelib.store.records import Connection, ConnectionStatus

CLAIM_SECONDS = 30
SLOTS = 60  # minutes of the hour the registration checks are spread over


class Locations:
    def __init__(self, db: _dynamo.Dynamo, clock: Clock, table: str) -> None:
        self._db = db
        self._clock = clock
        self._table = table

    def get(self, location_id: str) -> Connection | None:
        item = self._db.call("get_item", TableName=self._table, Key=_dynamo.to_item({"pk": f"loc#{location_id}"}), ConsistentRead=True).get(
            "Item"
        )
        return _connection(_dynamo.from_item(item)) if item else None

    def by_token(self, token: str) -> Connection | None:
        """The connection an inbound URL's token belongs to: one read, as the token names its location."""
        location_id, dot, secret = token.rpartition(".")
        if not dot or not location_id or not secret:
            return None
        connection = self.get(location_id)
        if connection is None or not hmac.compare_digest(connection.token.encode(), token.encode()):
            return None
        return connection

    def all(self) -> Iterator[Connection]:
        """Every location's connection, page by page: only for removing a client's connector (no request path scans)."""
        start: dict[str, object] | None = None
        while True:
            page = self._db.call("scan", TableName=self._table, ConsistentRead=True, **({"ExclusiveStartKey": start} if start else {}))
            for item in page.get("Items", []):
                connection = _connection(_dynamo.from_item(item))
                if connection is not None:
                    yield connection
            start = page.get("LastEvaluatedKey")
            if not start:
                return

    def claim(self, location_id: str, token: str) -> str | None:
        """Take the right to register this location with 7stamp; the token to use, or None if another caller holds it.

        A claim lapses after CLAIM_SECONDS so that a caller that died does not block the
        location forever; a lapsed claim keeps its token, so 7stamp's idempotency key stays the same.
        """
        now = self._clock.now()
        try:
            answer = self._db.call(
                "update_item",
                TableName=self._table,
                Key=_dynamo.to_item({"pk": f"loc#{location_id}"}),
                UpdateExpression="SET #s = :connecting, claimed_until = :until, #t = if_not_exists(#t, :token), location_id = :loc",
                ConditionExpression="attribute_not_exists(pk) OR (#s = :connecting AND claimed_until < :now)",
                ExpressionAttributeNames={"#s": "status", "#t": "token"},
                ExpressionAttributeValues=_dynamo.values(
                    connecting=ConnectionStatus.CONNECTING.value, until=int(now) + CLAIM_SECONDS, token=token, now=int(now), loc=location_id
                ),
                ReturnValues="ALL_NEW",
            )
        except _dynamo.ConditionFailed:
            return None
        return str(_dynamo.from_item(answer["Attributes"])["token"])

    def complete(self, location_id: str, webhook_id: str, secret: str) -> None:
        self._db.call(
            "update_item",
            TableName=self._table,
            Key=_dynamo.to_item({"pk": f"loc#{location_id}"}),
            UpdateExpression="SET #s = :connected, webhook_id = :wh, secret = :secret REMOVE claimed_until",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues=_dynamo.values(connected=ConnectionStatus.CONNECTED.value, wh=webhook_id, secret=secret),
        )

    def set_key_blob(self, location_id: str, blob: bytes, key_hash: str, *, replacing: bool = False) -> None:
        """Keep the KMS-encrypted key for calls made without a request in hand (enrichment); ``replacing`` a dead one.

        The key's hash joins the location's ``key_hashes``, the key-cache entries forgotten when the stored key dies.
        """
        self._db.call(
            "update_item",
            TableName=self._table,
            Key=self._key(location_id),
            UpdateExpression="SET key_blob = :blob" + (", key_replaced_at = :now" if replacing else "") + " ADD key_hashes :hash",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues=_dynamo.values(blob=blob, hash={key_hash}, now=self._clock.now() if replacing else None),
        )

    def mark_key_dead(self, location_id: str, blob: bytes) -> frozenset[str] | None:
        """Mark the stored key dead, unless another key replaced it meanwhile or it is dead already; the key hashes to forget.

        None when nothing was marked (the blob changed, or another worker marked it first).
        """
        try:
            answer = self._db.call(
                "update_item",
                TableName=self._table,
                Key=self._key(location_id),
                UpdateExpression="SET key_dead_at = :now REMOVE key_hashes",
                ConditionExpression="key_blob = :blob AND (attribute_not_exists(key_dead_at) OR key_dead_at < key_replaced_at)",
                ExpressionAttributeValues=_dynamo.values(blob=blob, now=self._clock.now()),
                ReturnValues="ALL_OLD",
            )
        except _dynamo.ConditionFailed:
            return None
        hashes = _dynamo.from_item(answer.get("Attributes") or {}).get("key_hashes")
        return frozenset(str(h) for h in hashes) if isinstance(hashes, set) else frozenset()

    def enrol(self, location_id: str, slot: int) -> None:
        """Put the location in its minute's slot of the hourly registration check (idempotent: two small writes)."""
        self._db.call(
            "update_item",
            TableName=self._table,
            Key=_dynamo.to_item({"pk": f"slot#{slot:02d}"}),
            UpdateExpression="ADD locations :loc",
            ExpressionAttributeValues=_dynamo.values(loc={location_id}),
        )
        self._db.call(
            "update_item",
            TableName=self._table,
            Key=self._key(location_id),
            UpdateExpression="SET scheduled = :yes",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues=_dynamo.values(yes=True),
        )

    def in_slot(self, slot: int) -> list[str]:
        """The locations whose hourly check falls in minute ``slot``."""
        item = self._db.call("get_item", TableName=self._table, Key=_dynamo.to_item({"pk": f"slot#{slot:02d}"})).get("Item")
        return sorted(str(x) for x in _dynamo.from_item(item).get("locations") or ()) if item else []

    def take_check(self, location_id: str, every: float) -> Connection | None:
        """Take the location's hourly check: the connection when it is connected and due (the next is due ``every`` later).

        A conditional write, so sweepers running at once (or more often than each minute) check a location once.
        """
        now = self._clock.now()
        try:
            answer = self._db.call(
                "update_item",
                TableName=self._table,
                Key=self._key(location_id),
                UpdateExpression="SET check_due = :next",
                ConditionExpression="#s = :connected AND (attribute_not_exists(check_due) OR check_due <= :now)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues=_dynamo.values(connected=ConnectionStatus.CONNECTED.value, now=now, next=now + every),
                ReturnValues="ALL_NEW",
            )
        except _dynamo.ConditionFailed:
            return None
        return _connection(_dynamo.from_item(answer["Attributes"]))

    def claim_heal(self, location_id: str, lost_webhook_id: str) -> bool:
        """Take the right to register again for a registration found missing; False if another caller holds it or it is done.

        Keyed by the lost registration's id: once it is replaced, a check that saw it missing takes nothing. A claim
        lapses after CLAIM_SECONDS (a caller that died), and the next one uses the same 7stamp idempotency key.
        """
        now = self._clock.now()
        try:
            self._db.call(
                "update_item",
                TableName=self._table,
                Key=self._key(location_id),
                UpdateExpression="SET heal_until = :until, registration_missing_at = :now",
                ConditionExpression="webhook_id = :lost AND (attribute_not_exists(heal_until) OR heal_until < :now)",
                ExpressionAttributeValues=_dynamo.values(lost=lost_webhook_id, now=now, until=now + CLAIM_SECONDS),
            )
        except _dynamo.ConditionFailed:
            return False
        return True

    def healed(self, location_id: str, lost_webhook_id: str, webhook_id: str, secret: str) -> None:
        """The new registration replaces the lost one: its id and signing secret, and when it was restored.

        Nothing changes when another check (whose claim outlived a lapsed one) replaced it already: with the same
        idempotency key, 7stamp gave both the same registration.
        """
        try:
            self._db.call(
                "update_item",
                TableName=self._table,
                Key=self._key(location_id),
                UpdateExpression="SET webhook_id = :wh, secret = :secret, registration_restored_at = :now REMOVE heal_until",
                ConditionExpression="webhook_id = :lost",
                ExpressionAttributeValues=_dynamo.values(lost=lost_webhook_id, wh=webhook_id, secret=secret, now=self._clock.now()),
            )
        except _dynamo.ConditionFailed:
            pass

    def unregistered(self, location_id: str, webhook_id: str) -> None:
        """The registration was removed on purpose (a client's connector being removed): no check registers it again."""
        try:
            self._db.call(
                "update_item",
                TableName=self._table,
                Key=self._key(location_id),
                UpdateExpression="REMOVE webhook_id",
                ConditionExpression="webhook_id = :wh",
                ExpressionAttributeValues=_dynamo.values(wh=webhook_id),
            )
        except _dynamo.ConditionFailed:
            pass

    @staticmethod
    def _key(location_id: str) -> dict[str, object]:
        return _dynamo.to_item({"pk": f"loc#{location_id}"})


def _connection(values: dict[str, object]) -> Connection | None:
    """The connection, or None while a first claim is still being written (moto applies an update in steps)."""
    if not all(values.get(k) for k in ("location_id", "token", "status")):
        return None
    blob, hashes = values.get("key_blob"), values.get("key_hashes")
    return Connection(
        location_id=str(values["location_id"]),
        token=str(values["token"]),
        status=ConnectionStatus(str(values["status"])),
        secret=str(values["secret"]) if values.get("secret") else None,
        webhook_id=str(values["webhook_id"]) if values.get("webhook_id") else None,
        key_blob=blob if isinstance(blob, bytes) else None,
        key_dead_at=_seconds(values.get("key_dead_at")),
        key_replaced_at=_seconds(values.get("key_replaced_at")),
        key_hashes=frozenset(str(h) for h in hashes) if isinstance(hashes, set) else frozenset(),
        registration_missing_at=_seconds(values.get("registration_missing_at")),
        registration_restored_at=_seconds(values.get("registration_restored_at")),
        scheduled=bool(values.get("scheduled")),
    )


def _seconds(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None
