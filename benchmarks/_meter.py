"""Counts the AWS calls of every botocore client by operation, and the DynamoDB capacity they consume.

``Meter.install`` wraps botocore's ``Session.create_client``, so every client made
afterwards (the connector's, the local worker's) reports its calls through botocore's
own event hooks; nothing in the connector is changed or mocked. Calls are counted by
operation name (``dynamodb.PutItem``), so a refactor of the code paths changes the
counts, not the meter.

DynamoDB's on-demand units follow its published rules, measured on the items as moto
holds them:

- Writes: the table and each index around every write are read before and after it (by a
  client of the meter's own, not counted), and each changed item costs
  ceil(max(old, new) / 1 KB) write units in the table; an index entry costs
  ceil(entry / 1 KB) when it is added, changed or removed, twice that when its index key
  moved (delete + put), nothing when the write left its projected attributes alone.
  Transactions cost double. A write that changed nothing (a failed condition) is
  counted at 1 unit. Writes are serialized while measured, so the before/after reads
  see only that write.
- Reads: ceil(size / 4 KB) read units per item (GetItem, BatchGetItem) or per request
  (Query, Scan, the sum of the items returned), halved when eventually consistent, doubled
  in a transaction.

Item size = the UTF-8 length of each attribute name plus its value's size (strings and
binaries their length, numbers about one byte per two digits plus one, 1 for booleans
and nulls, 3 plus the elements for lists and maps).
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

WRITE_OPS = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
PARTIQL_OPS = {"ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction"}
_STATEMENT_TABLE = re.compile(r'^\s*(UPDATE|INSERT\s+INTO|DELETE\s+FROM|SELECT\s.*?\sFROM)\s+"?([A-Za-z0-9_.\-]+)"?', re.I | re.S)


def _number_size(text: str) -> int:
    digits = text.lstrip("-").replace(".", "").lstrip("0") or "0"
    return (len(digits.rstrip("0") or "0") + 1) // 2 + 1


def value_size(value: dict[str, Any]) -> int:
    """The size DynamoDB counts for one attribute value in its JSON form (``{"S": ...}``)."""
    [(kind, data)] = value.items()
    if kind == "S":
        return len(data.encode())
    if kind == "N":
        return _number_size(str(data))
    if kind == "B":
        return len(data)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(v.encode()) for v in data)
    if kind == "NS":
        return sum(_number_size(str(v)) for v in data)
    if kind == "BS":
        return sum(len(v) for v in data)
    if kind == "L":
        return 3 + sum(value_size(v) + 1 for v in data)
    if kind == "M":
        return 3 + sum(len(k.encode()) + value_size(v) + 1 for k, v in data.items())
    raise ValueError(f"unknown DynamoDB type {kind}")


def item_size(item: dict[str, Any] | None) -> int:
    return 0 if not item else sum(len(name.encode()) + value_size(value) for name, value in item.items())


def _units(size: int, block: int) -> int:
    return max(1, math.ceil(size / block))


@dataclass(frozen=True)
class Index:
    name: str
    keys: tuple[str, ...]
    projection: str  # ALL, KEYS_ONLY or INCLUDE
    included: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    name: str
    keys: tuple[str, ...]
    indexes: tuple[Index, ...]

    def key_of(self, item: dict[str, Any]) -> str:
        return json.dumps([item.get(k) for k in self.keys], sort_keys=True, default=str)

    def entry(self, index: Index, item: dict[str, Any] | None) -> dict[str, Any] | None:
        """The item as the index holds it, or None when the item is not in the (sparse) index."""
        if item is None or not all(k in item for k in index.keys):
            return None
        if index.projection == "ALL":
            return item
        kept = set(self.keys) | set(index.keys) | set(index.included)
        return {k: v for k, v in item.items() if k in kept}


@dataclass
class Usage:
    """What one measured stretch cost: calls by operation, capacity units, bytes written per table or index."""

    calls: Counter[str] = field(default_factory=Counter)
    read_units: float = 0.0
    write_units: Counter[str] = field(default_factory=Counter)  # "table" or "table/index" -> units
    written: Counter[str] = field(default_factory=Counter)  # "table" or "table/index" -> bytes
    writes: Counter[str] = field(default_factory=Counter)  # "table" or "table/index" -> entries written
    invocations: int = 0
    seconds: float = 0.0  # wall time, less the meter's own reads of the tables

    def add(self, other: Usage) -> None:
        self.calls.update(other.calls)
        self.read_units += other.read_units
        self.write_units.update(other.write_units)
        self.written.update(other.written)
        self.writes.update(other.writes)
        self.invocations += other.invocations
        self.seconds += other.seconds

    def count(self, service: str | None = None) -> int:
        return sum(n for op, n in self.calls.items() if service is None or op.split(".")[0] == service)

    @property
    def wru(self) -> int:
        return sum(self.write_units.values())


class Meter:
    """Counts what happens inside ``measuring(usage)``; calls outside any measured stretch are not counted."""

    def __init__(self, inspector: Any) -> None:
        self._inspector = inspector  # a dynamodb client made before install(): its own calls are not counted
        self._tables: dict[str, Table] = {}
        self._current: Usage | None = None
        self._write_lock = threading.RLock()
        self._original_create_client: Any = None
        self.overhead = 0.0  # seconds the meter spent reading tables, left out of every stretch's time

    # -- wiring --------------------------------------------------------------------------
    def install(self) -> None:
        """Every botocore client made from now on reports to this meter (until ``uninstall``)."""
        import botocore.session

        original = self._original_create_client = botocore.session.Session.create_client
        meter = self

        def create_client(session: Any, *args: Any, **kwargs: Any) -> Any:
            return meter.attach(original(session, *args, **kwargs))

        botocore.session.Session.create_client = create_client  # type: ignore[method-assign]

    def attach(self, client: Any) -> Any:
        """This one client reports to the meter (what ``install`` does to every new client); returns it."""
        events = client.meta.events
        events.register("before-parameter-build", self._remember_params)
        events.register("before-call", self._before)
        events.register("after-call", self._after)
        events.register("after-call-error", self._after_error)
        return client

    def uninstall(self) -> None:
        """Clients made from now on are plain again (those made before keep reporting, to no stretch once idle)."""
        import botocore.session

        if self._original_create_client is not None:
            botocore.session.Session.create_client = self._original_create_client  # type: ignore[method-assign]
            self._original_create_client = None

    @contextmanager
    def measuring(self, usage: Usage) -> Iterator[Usage]:
        """Count into ``usage`` (nested stretches count into the innermost); adds the wall time."""
        outer, self._current = self._current, usage
        started, overhead = time.perf_counter(), self.overhead
        try:
            yield usage
        finally:
            usage.seconds += time.perf_counter() - started - (self.overhead - overhead)
            self._current = outer

    # -- botocore hooks --------------------------------------------------------------------
    @staticmethod
    def _remember_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["meter_params"] = params

    def _before(self, model: Any, context: dict[str, Any], **_: Any) -> None:
        usage = self._current
        if usage is None:
            return
        service, op = model.service_model.service_name, model.name
        usage.calls[f"{service}.{op}"] += 1
        context["meter_usage"] = usage
        params = context.get("meter_params") or {}
        if service == "dynamodb" and self._is_write(op, params):
            started = time.perf_counter()
            self._write_lock.acquire()
            try:
                context["meter_before"] = {name: self._snapshot(name) for name in self._table_names(params)}
            except BaseException:
                self._write_lock.release()
                raise
            finally:
                self.overhead += time.perf_counter() - started

    def _after(self, model: Any, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        usage: Usage | None = context.get("meter_usage")
        if usage is None or model.service_model.service_name != "dynamodb":
            return
        params = context.get("meter_params") or {}
        if "meter_before" in context:
            started = time.perf_counter()
            try:
                self._count_write(usage, model.name, params, context.pop("meter_before"))
            finally:
                self._write_lock.release()
                self.overhead += time.perf_counter() - started
        else:
            usage.read_units += self._read_units(model.name, params, parsed)

    def _after_error(self, context: dict[str, Any], **_: Any) -> None:
        if context.pop("meter_before", None) is not None:
            self._write_lock.release()

    # -- DynamoDB accounting --------------------------------------------------------------------
    @staticmethod
    def _statements(params: dict[str, Any]) -> list[str]:
        if "Statement" in params:
            return [params["Statement"]]
        return [s["Statement"] for s in params.get("Statements") or params.get("TransactStatements") or []]

    def _is_write(self, op: str, params: dict[str, Any]) -> bool:
        if op in PARTIQL_OPS:
            return any(not s.lstrip().upper().startswith("SELECT") for s in self._statements(params))
        return op in WRITE_OPS

    def _table_names(self, params: dict[str, Any]) -> set[str]:
        names = {params["TableName"]} if "TableName" in params else set()
        names.update(params.get("RequestItems") or {})
        for item in params.get("TransactItems") or []:
            names.update(part["TableName"] for part in item.values() if isinstance(part, dict) and "TableName" in part)
        for statement in self._statements(params):
            match = _STATEMENT_TABLE.match(statement)
            if match:
                names.add(match.group(2))
        return names

    def _table(self, name: str) -> Table:
        if name not in self._tables:
            described = self._inspector.describe_table(TableName=name)["Table"]
            indexes = [
                Index(
                    i["IndexName"],
                    tuple(k["AttributeName"] for k in i["KeySchema"]),
                    i["Projection"]["ProjectionType"],
                    tuple(i["Projection"].get("NonKeyAttributes", [])),
                )
                for i in described.get("GlobalSecondaryIndexes", []) + described.get("LocalSecondaryIndexes", [])
            ]
            self._tables[name] = Table(name, tuple(k["AttributeName"] for k in described["KeySchema"]), tuple(indexes))
        return self._tables[name]

    def _snapshot(self, name: str) -> dict[str, dict[str, Any]]:
        table = self._table(name)
        items: dict[str, dict[str, Any]] = {}
        for page in self._inspector.get_paginator("scan").paginate(TableName=name, ConsistentRead=True):
            items.update((table.key_of(item), item) for item in page.get("Items", []))
        return items

    @staticmethod
    def _addressed(op: str, params: dict[str, Any]) -> int:
        if op == "BatchWriteItem":
            return sum(len(requests) for requests in params["RequestItems"].values())
        if op in ("TransactWriteItems", "BatchExecuteStatement", "ExecuteTransaction"):
            return len(params.get("TransactItems") or params.get("Statements") or params.get("TransactStatements") or [])
        return 1

    def _count_write(self, usage: Usage, op: str, params: dict[str, Any], before: dict[str, dict[str, dict[str, Any]]]) -> None:
        factor = 2 if op in ("TransactWriteItems", "ExecuteTransaction") else 1
        changed = 0
        for name, old_items in before.items():
            table = self._table(name)
            new_items = self._snapshot(name)
            for key in set(old_items) | set(new_items):
                old, new = old_items.get(key), new_items.get(key)
                if old == new:
                    continue
                changed += 1
                usage.write_units[name] += factor * _units(max(item_size(old), item_size(new)), 1024)
                if new is not None:
                    usage.written[name] += item_size(new)
                    usage.writes[name] += 1
                for index in table.indexes:
                    self._count_index_write(usage, f"{name}/{index.name}", index, table.entry(index, old), table.entry(index, new), factor)
        if changed < self._addressed(op, params):
            first = next(iter(before), "?")
            usage.write_units[first] += factor * (self._addressed(op, params) - changed)

    @staticmethod
    def _count_index_write(
        usage: Usage, label: str, index: Index, old: dict[str, Any] | None, new: dict[str, Any] | None, factor: int
    ) -> None:
        if old == new:
            return
        moved = old is not None and new is not None and any(old.get(k) != new.get(k) for k in index.keys)
        if old is not None and (new is None or moved):
            usage.write_units[label] += factor * _units(item_size(old), 1024)  # the old entry's delete
        if new is not None:
            usage.write_units[label] += factor * _units(item_size(new), 1024)
            usage.written[label] += item_size(new)
            usage.writes[label] += 1

    @staticmethod
    def _read_units(op: str, params: dict[str, Any], parsed: dict[str, Any]) -> float:
        def factor(consistent: bool | None) -> float:
            return 1.0 if consistent else 0.5

        if op == "GetItem":
            return _units(item_size(parsed.get("Item")), 4096) * factor(params.get("ConsistentRead"))
        if op in ("Query", "Scan", "ExecuteStatement"):
            size = sum(item_size(i) for i in parsed.get("Items", []))
            return _units(size, 4096) * factor(params.get("ConsistentRead") and not params.get("IndexName"))
        if op == "BatchGetItem":
            total = 0.0
            for name, items in (parsed.get("Responses") or {}).items():
                consistent = (params.get("RequestItems") or {}).get(name, {}).get("ConsistentRead")
                total += sum(_units(item_size(i), 4096) * factor(consistent) for i in items)
            return total
        if op == "TransactGetItems":
            return sum(2 * _units(item_size(r.get("Item")), 4096) for r in parsed.get("Responses", []))
        return 0.0
