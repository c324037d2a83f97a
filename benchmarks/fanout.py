"""One event fanned out to 1,000 subscribers on local receivers, beside a one-at-a-time baseline.

Both runs use the real path: the event is written to the events table (moto's server,
in its own process), the stream handler fans it out, the queue handler POSTs signed
deliveries to receivers on 127.0.0.1. The baseline is the same code with
DELIVERY_CONCURRENCY=1. Two kinds of receivers: ones that answer at once (then moto's
two writes per delivery bound the rate on this 2-core machine) and ones that take 50 ms
like a real subscriber on the internet (then concurrency is what counts).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from benchmarks._local import free_port, use_endpoint, wait_for

SUBSCRIBERS = 1000
RECEIVERS = 4
TENANT = "loc_bench"
TIME_LIMIT = 600.0


class Counter:
    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()


def start_receivers(counter: Counter, latency: float) -> list[ThreadingHTTPServer]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if latency:
                time.sleep(latency)  # the subscriber's own work and network time
            with counter.lock:
                counter.count += 1
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    servers = []
    for _ in range(RECEIVERS):
        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    return servers


def run(concurrency: int, moto_url: str, prefix: str, latency: float) -> tuple[float, int]:
    """Wall time from storing the event to the last delivery, and how many arrived."""
    os.environ["DELIVERY_CONCURRENCY"] = str(concurrency)
    use_endpoint(moto_url)
    from chalicelib import queue, services, signing
    from chalicelib.store.events import event_id_for
    from chalicelib.store.records import StoredEvent, Subscription
    from stack.provision import provision, stream_arn
    from stack.worker import Worker

    env = provision(prefix=prefix)
    os.environ.update(env)
    services.reset()
    queue.queue_url.cache_clear()
    counter = Counter()
    servers = start_receivers(counter, latency)
    subs = services.subscriptions()
    for i in range(SUBSCRIBERS):
        port = servers[i % RECEIVERS].server_address[1]
        subs.create(Subscription(f"hook_{i:05d}", TENANT, "stamp_added", f"http://127.0.0.1:{port}/s/{i}", {}, signing.new_secret(), "2026-11-22T00:00:00Z"))
    worker = Worker(stream_arn(env["EVENTS_TABLE"]))
    event_id, cursor = event_id_for(int(time.time() * 1000), "bench")
    record = {"id": event_id, "event": "stamp_added", "location_id": TENANT, "business_id": "b", "timestamp": "2026-11-22T00:00:00Z",
              "customer": {"id": "c_1"}, "enriched": False}
    started = time.perf_counter()
    services.events().put_new(StoredEvent(json.loads(json.dumps(record)), "m#bench", cursor))
    deadline = time.monotonic() + TIME_LIMIT
    while counter.count < SUBSCRIBERS and time.monotonic() < deadline:
        if worker.pump_stream() + worker.pump_queue() == 0:
            time.sleep(0.01)
    elapsed = time.perf_counter() - started
    for server in servers:
        server.shutdown()
        server.server_close()
    return elapsed, counter.count


def main() -> int:
    os.environ["CONNECTOR_ALLOW_PRIVATE_TARGETS"] = "1"
    port = free_port()
    # moto in its own process, as AWS's services are not inside the Lambda's interpreter (with DynamoDB's per-item atomicity)
    moto = subprocess.Popen([sys.executable, "-m", "stack.moto_atomic", "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(url)
        print(f"fan-out of one event to {SUBSCRIBERS} subscribers on {RECEIVERS} local receivers (moto's server for storage and queue)")
        complete = True
        for latency in (0.0, 0.05):
            base_time, base_count = run(1, url, f"bench-serial-{int(latency * 1000)}", latency)
            fast_time, fast_count = run(32, url, f"bench-parallel-{int(latency * 1000)}", latency)
            complete = complete and base_count == fast_count == SUBSCRIBERS
            print(f" receivers answering after {latency * 1000:.0f} ms:")
            print(f"  one at a time (DELIVERY_CONCURRENCY=1):  {base_count} delivered in {base_time:6.2f} s = {base_count / base_time:7.1f} deliveries/s")
            print(f"  concurrent    (DELIVERY_CONCURRENCY=32): {fast_count} delivered in {fast_time:6.2f} s = {fast_count / fast_time:7.1f} deliveries/s")
            print(f"  speed-up: {base_time / fast_time:.2f}x")
    finally:
        moto.terminate()
        moto.wait(timeout=10)
    return 0 if complete else 1


if __name__ == "__main__":
    raise SystemExit(main())
