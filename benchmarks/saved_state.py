"""What keeping the local stack's state costs: a save and a load with 200 and with 2,000 events and deliveries.

Beside each save, the baseline measured in the same run: one bare Scan of the same tables
(what any reader of moto's data pays), so the figure shows the save's own overhead. A save
bounds how much a crash of ``make run`` can lose (5 s plus one save; see the README).
``python -m benchmarks.saved_state``.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from benchmarks._local import free_port, use_endpoint
from chalicelib.store import _dynamo
from stack import moto_atomic
from stack.local import _latest
from stack.provision import provision, stream_arn
from stack.saved_state import SavedState

SIZES = (200, 2_000)
REGION = "us-east-1"


def _fill(db: Any, resources: dict[str, str], count: int) -> None:
    now = time.time()
    events = [
        {"pk": "loc", "sk": f"k{i}", "ts": f"{int((now - 3600 + i) * 1000):015d}#k{i}", "ev": "loc#stamp_added", "body": "{}" + " " * 400}
        for i in range(count)
    ]
    deliveries = [
        {"pk": "hook_1", "sk": f"c{i}", "event_key": f"k{i}", "event_id": f"e{i}", "event": "stamp_added", "status": "delivered"}
        | {"attempts": 1, "next_at": now, "location_id": "loc", "log": '[{"at": 1, "status_code": 200}]'}
        for i in range(count)
    ]
    for table, items in ((resources["EVENTS_TABLE"], events), (resources["DELIVERIES_TABLE"], deliveries)):
        for first in range(0, len(items), 25):
            db.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": _dynamo.to_item(x)}} for x in items[first : first + 25]]})


def _measure(db: Any, count: int) -> str:
    """One size: fill a set of tables, time a bare Scan of each (the baseline), a save, and a load into a fresh set."""
    source = provision(prefix=f"bench-save-{count}", region=REGION)
    _fill(db, source, count)
    folder = Path(tempfile.mkdtemp())
    started = time.perf_counter()
    for name, table in source.items():
        if name.endswith("_TABLE"):
            db.scan(TableName=table, ConsistentRead=True)
    bare = time.perf_counter() - started
    started = time.perf_counter()
    SavedState(folder, source, REGION).save(None)
    save = time.perf_counter() - started
    target = provision(prefix=f"bench-load-{count}", region=REGION)
    arn = stream_arn(target["EVENTS_TABLE"], region=REGION)
    loader = SavedState(folder, target, REGION)
    data = loader.read()
    assert data is not None
    started = time.perf_counter()
    loader.load(data, lambda: _latest(arn))
    load = time.perf_counter() - started
    size = (folder / "state.json").stat().st_size / 1e6
    return (
        f"{count:>5} events + {count} deliveries: save {save:.2f} s (baseline, one Scan of each table: {bare:.2f} s),"
        f" load {load:.2f} s, state.json {size:.1f} MB"
    )


def main() -> None:
    moto_atomic.install()
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    use_endpoint(f"http://127.0.0.1:{port}")
    db = boto3.session.Session(region_name=REGION).client("dynamodb")
    try:
        for count in SIZES:
            print(_measure(db, count), flush=True)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
