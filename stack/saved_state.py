"""The local stack's state across a restart: read out of moto through the AWS APIs into a data folder, and put back.

moto keeps nothing on disk, so ``make run`` saves what the connector stored the way any
AWS client would: it Scans every table of ``infra/resources.json`` and receives the parked
queue's notes, and writes them with the sandbox's objects to ``state.json`` in the data
folder, on a clean stop and every SNAPSHOT_SECONDS while it runs (so a ``kill -9`` loses
at most that long). At start, after provisioning, BatchWriteItem and SendMessage put it
back before anything runs. Loading never sends an event twice and never skips a retry:

- A delivery record carries its state and schedule. A delivered or failed one is final.
  A pending one is handed to the sweeper at its ``next_at`` (``sweep_at`` = ``next_at``,
  lease removed: no worker of the stopped process holds one), because the SQS jobs that
  would have run it are gone (a delayed message cannot be read out of SQS). The claim, one
  conditional write, lets exactly one job attempt it.
- Events go back before the worker reads the events table's stream, and the worker
  starts after them (LATEST), so fan-out does not see them again; except the events that
  may not have been fanned out when the state was saved (still awaiting enrichment, or
  received within REFANOUT_SECONDS before it), which are written after that point and so
  pass through fan-out again. Its jobs claim like any other: a delivered one is not sent.
- KMS never exports key material (moto neither), and the stored API keys are encrypted
  under the stack's key: the one thing read from moto's insides is that key's material
  and ids, put back on the new key, so the saved ciphertexts still decrypt.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3

from chalicelib.store.deliveries import due_shard
from chalicelib.store.events import received_at

STATE_FILE = "state.json"
VERSION = 1
SNAPSHOT_SECONDS = 5.0
REFANOUT_SECONDS = 300.0  # an event received this long before the save may still have been on its way through fan-out
MAX_PAGES = 10_000
MAX_PARKED = 1000
DEFAULT_FOLDER = Path(__file__).resolve().parent.parent / ".stack" / "data"


def data_folder(env: dict[str, str] | os._Environ[str]) -> Path:
    """CONNECTOR_DATA_DIR, or ``.stack/data`` in the repository."""
    raw = env.get("CONNECTOR_DATA_DIR", "").strip()
    return Path(raw).expanduser().resolve() if raw else DEFAULT_FOLDER


# -- DynamoDB items as JSON (binary values base64) --------------------------------------------
def _encode(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"$b64": base64.b64encode(value).decode()}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$b64"}:
            return base64.b64decode(value["$b64"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def _scan(db: Any, table: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    start: dict[str, Any] | None = None
    for _ in range(MAX_PAGES):
        answer = db.scan(TableName=table, ConsistentRead=True, **({"ExclusiveStartKey": start} if start else {}))
        items.extend(answer.get("Items", []))
        start = answer.get("LastEvaluatedKey")
        if not start:
            break
    return items


def _write(db: Any, table: str, items: list[dict[str, Any]]) -> None:
    for first in range(0, len(items), 25):
        pending: dict[str, Any] = {table: [{"PutRequest": {"Item": item}} for item in items[first : first + 25]]}
        for _ in range(50):
            pending = db.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            if not pending:
                break
        if pending:
            raise RuntimeError(f"could not write back every item of {table}")


def _pending_to_sweeper(item: dict[str, Any], location_of: dict[str, str]) -> dict[str, Any]:
    """A pending delivery as the sweeper finds it at its next attempt: no lease, in the ``due`` index at ``next_at``."""
    if item.get("status", {}).get("S") != "pending":
        return item
    sub_id = item["pk"]["S"]
    changed = {k: v for k, v in item.items() if k != "lease_until"}
    changed["due"] = {"S": due_shard(sub_id)}
    changed["sweep_at"] = {"N": item.get("next_at", {"N": "0"})["N"]}
    if "location_id" not in changed and sub_id in location_of:
        changed["location_id"] = {"S": location_of[sub_id]}
    return changed


def _parked_notes(sqs: Any, url: str) -> list[str]:
    """The parked queue's notes, left in the queue: each received once, then made visible again."""
    bodies: list[str] = []
    handles: list[str] = []
    for _ in range(MAX_PARKED // 10):
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30).get("Messages", [])
        if not messages:
            break
        bodies += [m["Body"] for m in messages]
        handles += [m["ReceiptHandle"] for m in messages]
    for first in range(0, len(handles), 10):
        entries = [{"Id": str(i), "ReceiptHandle": h, "VisibilityTimeout": 0} for i, h in enumerate(handles[first : first + 10])]
        sqs.change_message_visibility_batch(QueueUrl=url, Entries=entries)
    return bodies


# -- the KMS key's material (see the module's docstring) -------------------------------------
def _kms_key(session: Any, key_id: str) -> Any:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.kms.models import kms_backends

    backend = kms_backends[DEFAULT_ACCOUNT_ID][session.region_name]
    real_id = session.client("kms").describe_key(KeyId=key_id)["KeyMetadata"]["KeyId"]
    return backend, backend.keys[real_id]


def _save_key(session: Any, key_id: str) -> dict[str, Any]:
    backend, key = _kms_key(session, key_id)
    return {"ids": sorted(i for i, k in backend.keys.items() if k is key), "material": base64.b64encode(key.key_material).decode()}


def _load_key(session: Any, key_id: str, saved: dict[str, Any]) -> None:
    backend, key = _kms_key(session, key_id)
    key.key_material = base64.b64decode(saved["material"])
    for old_id in saved["ids"]:
        backend.keys.setdefault(old_id, key)


class SavedState:
    """Reads and writes the data folder's ``state.json``; ``save`` and ``load`` talk to moto through boto3."""

    def __init__(self, folder: Path, resources: dict[str, str], region: str) -> None:
        self.folder = folder
        self.path = folder / STATE_FILE
        self._resources = resources
        self._session = boto3.session.Session(region_name=region)
        self._lock = threading.Lock()
        self._last_content: str | None = None  # what the last save wrote (but its time)

    def _tables(self) -> dict[str, str]:
        return {name: value for name, value in self._resources.items() if name.endswith("_TABLE")}

    def read(self) -> dict[str, Any] | None:
        """The saved state, or None when there is none (first run, or after ``make run RESET=1``)."""
        if not self.path.exists():
            return None
        data = json.loads(self.path.read_text())
        if data.get("version") != VERSION:
            raise RuntimeError(f"{self.path} was written by another version of the stack; start with RESET=1")
        return dict(data)

    def save(self, sandbox_state: dict[str, Any] | None) -> dict[str, int]:
        """Write everything to ``state.json`` (a new file renamed over the old one: a crash mid-write keeps the last save)."""
        with self._lock:
            db = self._session.client("dynamodb")
            tables = {name: _scan(db, table) for name, table in self._tables().items()}
            data = {
                "version": VERSION,
                "tables": _encode(tables),
                "parked": _parked_notes(self._session.client("sqs"), self._resources["PARKED_QUEUE_URL"]),
                "kms_key": _save_key(self._session, self._resources["KMS_KEY_ID"]),
                "sandbox": sandbox_state,
            }
            content = json.dumps(data, separators=(",", ":"), sort_keys=True)
            if content != self._last_content:  # an idle stack does not rewrite the file every few seconds
                self.folder.mkdir(parents=True, exist_ok=True)
                partial = self.path.with_suffix(".partial")
                with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
                    json.dump({**data, "saved_at": time.time()}, out, separators=(",", ":"))
                partial.replace(self.path)
                self._last_content = content
            return {name: len(items) for name, items in tables.items()}

    def load(self, data: dict[str, Any], mark_stream: Callable[[], None]) -> dict[str, int]:
        """Put a saved state back; ``mark_stream`` is called between the settled events and those fan-out must see again."""
        db = self._session.client("dynamodb")
        tables: dict[str, list[dict[str, Any]]] = _decode(data["tables"])
        _load_key(self._session, self._resources["KMS_KEY_ID"], data["kms_key"])
        location_of = {i["sk"]["S"]: i["pk"]["S"] for i in tables.get("SUBSCRIPTIONS_TABLE", [])}
        for name, items in tables.items():
            if name == "EVENTS_TABLE":
                continue
            if name == "DELIVERIES_TABLE":
                items = [_pending_to_sweeper(i, location_of) for i in items]
            _write(db, self._resources[name], items)
        settled, again = _split_events(tables.get("EVENTS_TABLE", []), float(data["saved_at"]) - REFANOUT_SECONDS)
        _write(db, self._resources["EVENTS_TABLE"], settled)
        mark_stream()
        _write(db, self._resources["EVENTS_TABLE"], again)
        sqs = self._session.client("sqs")
        for body in data.get("parked", []):
            sqs.send_message(QueueUrl=self._resources["PARKED_QUEUE_URL"], MessageBody=body)
        return {name: len(items) for name, items in tables.items()}


def _split_events(items: list[dict[str, Any]], settled_before: float) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(events fan-out has handled for sure, events it must see again: awaiting enrichment or received near the save)."""
    settled: list[dict[str, Any]] = []
    again: list[dict[str, Any]] = []
    for item in items:
        recent = "ts" in item and received_at(item["ts"]["S"]) >= settled_before
        (again if "awaiting" in item or recent else settled).append(item)
    return settled, again


class Snapshots:
    """Saves every SNAPSHOT_SECONDS on a daemon thread until stopped (a failed save is logged and tried next time)."""

    def __init__(self, save: Callable[[], object], every: float = SNAPSHOT_SECONDS) -> None:
        self._save = save
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="state-snapshots", daemon=True)

    def _run(self) -> None:
        import logging

        for _ in _ticks(self._stop, self._every):
            try:
                self._save()
            except Exception:
                logging.getLogger("stack.state").exception("saving the stack's state failed; trying again in %.0f s", self._every)

    def start(self) -> Snapshots:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


def _ticks(stop: threading.Event, every: float) -> Iterator[None]:
    while not stop.wait(every):
        yield
