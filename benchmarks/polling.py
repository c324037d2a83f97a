"""Polling cost with 100 and with 50,000 stored events of one tenant, side by side.

A poll is one DynamoDB Query on an index keyed by tenant (and event) and sorted by
receipt, reading ``limit`` items, so its cost should not grow with the events stored.
The figure that counts comes from dynalite, a DynamoDB implementation on a sorted
key-value store (npm, benchmarks/package.json), where a Query reads a key range as
DynamoDB does. moto's figures are printed beside it for reference only: moto answers
every Query by walking all items of the table, whatever the keys.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks._local import free_port, use_endpoint, wait_for
from chalicelib.aws import AwsClients

ROOT = Path(__file__).resolve().parent.parent
SIZES = (100, 50_000)
TENANT = "loc_bench"
LIMIT = 50
GOAL = 1.5
TABLE = "bench-events"


def _create_table(clients: AwsClients) -> None:
    props = json.loads((ROOT / "infra" / "resources.json").read_text())["Resources"]["EventsTable"]["Properties"]
    args = {k: props[k] for k in ("AttributeDefinitions", "KeySchema", "BillingMode", "LocalSecondaryIndexes", "GlobalSecondaryIndexes")}
    db = clients.client("dynamodb")
    db.create_table(TableName=TABLE, **args)
    db.get_waiter("table_exists").wait(TableName=TABLE, WaiterConfig={"Delay": 1, "MaxAttempts": 60})


def _fill(clients: AwsClients, start: int, stop: int) -> None:
    """Events ``start..stop`` of the tenant, a third of them stamp_added, written 25 at a time (items as the events store writes them)."""
    from chalicelib.store.events import event_id_for

    db = clients.client("dynamodb")
    names = ("stamp_added", "card_opened", "goal_reached")
    for chunk in range(start, stop, 25):
        items = []
        for i in range(chunk, min(stop, chunk + 25)):
            event = names[i % 3]
            event_id, cursor = event_id_for(1_790_000_000_000 + i, f"{i:020x}")
            record = {"id": event_id, "event": event, "location_id": TENANT, "customer": {"id": f"c_{i}"}, "enriched": True}
            item = {"pk": TENANT, "sk": f"m#{i}", "ts": cursor, "ev": f"{TENANT}#{event}", "body": json.dumps(record)}
            items.append({"PutRequest": {"Item": {**{k: {"S": v} for k, v in item.items()}, "expires_at": {"N": "0"}}}})
        pending = {TABLE: items}
        for _ in range(20):
            pending = db.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            if not pending:
                break


def _median_poll(clients: AwsClients, runs: int, stored: int) -> tuple[float, float]:
    from chalicelib.clock import Clock
    from chalicelib.store import Dynamo
    from chalicelib.store.events import EventStore

    store = EventStore(Dynamo(clients), Clock(), TABLE, 30)

    def timed(fn: Callable[[], object]) -> float:
        for _ in range(5):  # warm-up: connections, and the emulator's JIT
            fn()
        samples = []
        for _ in range(runs):
            t = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - t)
        return statistics.median(samples)

    one = timed(lambda: store.recent(TENANT, "stamp_added", LIMIT))
    every = timed(lambda: store.recent(TENANT, None, LIMIT))
    assert len(store.recent(TENANT, "stamp_added", LIMIT)) == min(LIMIT, (stored + 2) // 3)
    assert len(store.recent(TENANT, None, LIMIT)) == min(LIMIT, stored)
    return one, every


def measure(backend: str, url: str, runs: int) -> dict[int, tuple[float, float]]:
    use_endpoint(url)
    clients = AwsClients()
    _create_table(clients)
    results: dict[int, tuple[float, float]] = {}
    filled = 0
    for size in SIZES:
        _fill(clients, filled, size)
        filled = size
        results[size] = _median_poll(clients, runs, size)
        print(
            f"  {backend:9s} {size:>6} events stored: one event {results[size][0] * 1000:7.2f} ms, "
            f"any event {results[size][1] * 1000:7.2f} ms"
        )
    return results


def main() -> int:
    node_bin = ROOT / "benchmarks" / "node_modules" / ".bin" / "dynalite"
    if not node_bin.exists():
        print("dynalite is missing: run `make bench` (it installs benchmarks/package.json)")
        return 2
    print(f"polling: median of the Query behind GET /v1/triggers/{{event}}?limit={LIMIT}")
    port = free_port()
    dynalite = subprocess.Popen(
        [str(node_bin), "--port", str(port), "--host", "127.0.0.1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for(f"http://127.0.0.1:{port}")
        main_results = measure("dynalite", f"http://127.0.0.1:{port}", runs=40)
    finally:
        dynalite.terminate()
        dynalite.wait(timeout=10)
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    moto_port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
    moto.start()
    try:
        moto_results = measure("moto", f"http://127.0.0.1:{moto_port}", runs=5)
    finally:
        moto.stop()
    small, large = SIZES
    ratios = [main_results[large][i] / main_results[small][i] for i in (0, 1)]
    moto_ratio = moto_results[large][0] / moto_results[small][0]
    print(f"  ratio {large} / {small} on dynalite: one event {ratios[0]:.2f}, any event {ratios[1]:.2f} (goal <= {GOAL})")
    print(f"  ratio on moto, for reference (moto walks the whole table per Query): {moto_ratio:.1f}")
    os.environ.pop("AWS_ENDPOINT_URL", None)
    return 0 if max(ratios) <= GOAL else 1


if __name__ == "__main__":
    raise SystemExit(main())
