"""Each location's connection with 7stamp; its inbound token is ``<location id>.<random>``, so it leads back in one read."""

from __future__ import annotations

import hmac
from collections.abc import Iterator

from chalicelib.clock import Clock
from chalicelib.store import _dynamo
from chalicelib.store.records import Connection, ConnectionStatus

CLAIM_SECONDS = 30


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

    def set_key_blob(self, location_id: str, blob: bytes) -> None:
        """Keep the KMS-encrypted key for calls made without a request in hand (enrichment)."""
        self._db.call(
            "update_item",
            TableName=self._table,
            Key=_dynamo.to_item({"pk": f"loc#{location_id}"}),
            UpdateExpression="SET key_blob = :blob",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues=_dynamo.values(blob=blob),
        )


def _connection(values: dict[str, object]) -> Connection | None:
    """The connection, or None while a first claim is still being written (moto applies an update in steps)."""
    if not all(values.get(k) for k in ("location_id", "token", "status")):
        return None
    blob = values.get("key_blob")
    return Connection(
        location_id=str(values["location_id"]),
        token=str(values["token"]),
        status=ConnectionStatus(str(values["status"])),
        secret=str(values["secret"]) if values.get("secret") else None,
        webhook_id=str(values["webhook_id"]) if values.get("webhook_id") else None,
        key_blob=blob if isinstance(blob, bytes) else None,
    )
