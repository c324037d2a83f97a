"""The small DynamoDB toolkit the repositories share: (de)serialising items and translating errors."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import Binary, TypeDeserializer, TypeSerializer
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.aws import AwsClients
from chalicelib.errors import UpstreamError

_ser = TypeSerializer()
_de = TypeDeserializer()


class ConditionFailed(Exception):
    """A conditional write found the item in another state; callers translate it to their meaning.

    ``item`` is the item as it was, when the call asked for it (ReturnValuesOnConditionCheckFailure).
    """

    def __init__(self, code: str, item: dict[str, Any] | None = None) -> None:
        super().__init__(code)
        self.item = item


class StoreUnavailable(UpstreamError):
    """DynamoDB kept some of a batch unprocessed."""


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB item; floats go in as Decimal, None values are left out."""
    return {k: _ser.serialize(Decimal(str(v)) if isinstance(v, float) else v) for k, v in values.items() if v is not None}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Binary):
        return bytes(value)
    return value


def item_size(item: dict[str, Any]) -> int:
    """DynamoDB's size of an item (attribute names and values in UTF-8; numbers as stored), for strings, numbers and binaries."""
    size = 0
    for name, value in item.items():
        size += len(name.encode())
        kind, raw = next(iter(value.items()))
        if kind == "S":
            size += len(raw.encode("utf-8"))
        elif kind == "N":
            size += (len(raw.lstrip("-").replace(".", "").lstrip("0")) + 1) // 2 + 1
        elif kind == "B":
            size += len(raw)
        else:
            size += len(str(raw))
    return size


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    """A plain dict: numbers as int/float, binaries as bytes (top level only; nested data is JSON)."""
    return {k: _plain(_de.deserialize(v)) for k, v in item.items()}


def values(**kwargs: Any) -> dict[str, Any]:
    """ExpressionAttributeValues from keyword arguments (``:name``)."""
    return values_of(kwargs)


def values_of(named: dict[str, Any]) -> dict[str, Any]:
    """ExpressionAttributeValues from a dict of names without their colon."""
    return to_item({f":{k}": v for k, v in named.items()})


WRITE_BOUND = 18.0  # AwsClients.bounded_client: 2 attempts x (2 s connect + 6 s read) + backoff


class Dynamo:
    """DynamoDB calls over the services' clients; every repository gets the one of its services."""

    def __init__(self, clients: AwsClients) -> None:
        self._clients = clients

    def call(self, operation: str, **kwargs: Any) -> Any:
        """Run one DynamoDB operation; a failed condition becomes ConditionFailed, anything else UpstreamError."""
        return _run(self._clients.client("dynamodb"), operation, kwargs)

    def call_bounded(self, operation: str, **kwargs: Any) -> Any:
        """Like ``call``, with short timeouts and one retry: the call has landed or failed within WRITE_BOUND seconds."""
        return _run(self._clients.bounded_client("dynamodb"), operation, kwargs)

    def update_if(
        self, table: str, key: dict[str, Any], update: str, condition: str, values: dict[str, Any], *, returns: str = "NONE"
    ) -> dict[str, Any] | None:
        """One conditional UpdateItem (``values`` by name, without the colon); the item as ``returns`` asks for it
        (plain values, empty for NONE), or None when the condition failed."""
        try:
            answer = self.call(
                "update_item",
                TableName=table,
                Key=to_item(key),
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeValues=values_of(values),
                ReturnValues=returns,
            )
        except ConditionFailed:
            return None
        return from_item(answer.get("Attributes") or {})

    def batch_get(self, table: str, keys: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """Every item of ``keys`` that exists, in chunks of 100, following UnprocessedKeys."""
        keys = list(keys)
        found: list[dict[str, Any]] = []
        for start in range(0, len(keys), 100):
            pending: dict[str, Any] = {table: {"Keys": [to_item(k) for k in keys[start : start + 100]]}}
            for _ in range(10):
                answer = self.call("batch_get_item", RequestItems=pending)
                found.extend(from_item(i) for i in answer.get("Responses", {}).get(table, []))
                pending = answer.get("UnprocessedKeys") or {}
                if not pending:
                    break
        return found


def _run(client: Any, operation: str, kwargs: dict[str, Any]) -> Any:
    try:
        return getattr(client, operation)(**kwargs)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ("ConditionalCheckFailedException", "TransactionCanceledException"):
            raise ConditionFailed(code, exc.response.get("Item")) from exc
        raise UpstreamError("The connector's storage is unavailable") from exc
    except BotoCoreError as exc:
        raise UpstreamError("The connector's storage is unavailable") from exc
