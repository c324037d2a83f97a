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
from typing import Any

from benchmarks._local import free_port, use_endpoint, wait_for
from stack.receiver import HookReceiver, Script

SUBSCRIBERS = 1000
RECEIVERS = 4
TENANT = "loc_bench"
TIME_LIMIT = 600.0


def start_receivers(count: int, latency: float) -> list[HookReceiver]:
    """Receivers that answer after ``latency`` seconds: the subscriber's own work and network time."""
    return [HookReceiver(Script(delay=latency)).start() for _ in range(count)]


def delivered(receivers: list[HookReceiver]) -> int:
    return sum(receiver.count() for receiver in receivers)


def run(concurrency: int, moto_url: str, prefix: str, latency: float) -> tuple[float, int]:
    """Wall time from storing the event to the last delivery, and how many arrived."""
    os.environ["DELIVERY_CONCURRENCY"] = str(concurrency)
    use_endpoint(moto_url)
    import app as connector_app
    from chalicelib import container
    from chalicelib.security import signing
    from chalicelib.store.records import Subscription
    from stack.provision import provision, stream_arn
    from stack.worker import Worker

    env = provision(prefix=prefix)
    os.environ.update(env)
    services = connector_app.use(container.from_environment())
    receivers = start_receivers(RECEIVERS, latency)
    subs = services.subscriptions
    for i in range(SUBSCRIBERS):
        url = receivers[i % RECEIVERS].url
        subs.create(Subscription(f"hook_{i:05d}", TENANT, "stamp_added", f"{url}/s/{i}", {}, signing.new_secret(), "2026-11-22T00:00:00Z"))
    worker = Worker(stream_arn(env["EVENTS_TABLE"]))
    record = {
        "event": "stamp_added",
        "location_id": TENANT,
        "business_id": "b",
        "timestamp": "2026-11-22T00:00:00Z",
        "customer": {"id": "c_1"},
        "enriched": False,
    }
    started = time.perf_counter()
    services.events.put_new(TENANT, "m#bench", "bench", record)
    deadline = time.monotonic() + TIME_LIMIT
    while delivered(receivers) < SUBSCRIBERS and time.monotonic() < deadline:
        if worker.pump_stream() + worker.pump_queue() == 0:
            time.sleep(0.01)
    elapsed = time.perf_counter() - started
    for receiver in receivers:
        receiver.stop()
    return elapsed, delivered(receivers)


class CallCounter:
    """Counts the AWS requests the handlers make, by service and operation, through botocore's event hooks.

    The event sources' own reads (the stream's GetRecords, SQS's ReceiveMessage and
    deletes, which Lambda does on AWS) are left out; everything the connector's code calls is in.
    """

    EVENT_SOURCE = {
        "DescribeStream",
        "GetShardIterator",
        "GetRecords",
        "ReceiveMessage",
        "DeleteMessageBatch",
        "DeleteMessage",
        "GetQueueUrl",
    }

    def __init__(self) -> None:
        self.calls: dict[str, int] = {}
        self.lock = threading.Lock()

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-call", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        if model.name not in self.EVENT_SOURCE:
            with self.lock:
                name = f"{model.service_model.service_name}.{model.name}"
                self.calls[name] = self.calls.get(name, 0) + 1

    def take(self) -> dict[str, int]:
        with self.lock:
            taken, self.calls = self.calls, {}
        return taken


def count_calls(moto_url: str) -> tuple[dict[str, int], dict[str, int]]:
    """AWS requests of the real path (signed inbound webhook, stream fan-out, delivery) for one event to 1 and to 10 subscribers."""
    use_endpoint(moto_url)
    import app as connector_app
    from chalicelib import container
    from chalicelib.pipeline import intake
    from chalicelib.security import signing
    from chalicelib.store.records import Subscription
    from stack.provision import provision, stream_arn
    from stack.worker import Worker

    env = provision(prefix="bench-calls")
    os.environ.update(env)
    services = connector_app.use(container.from_environment())
    [receiver] = start_receivers(1, 0.0)
    calls = CallCounter()
    for client in (
        services.aws.client("dynamodb"),
        services.aws.bounded_client("dynamodb"),
        services.aws.client("sqs"),
        services.aws.client("kms"),
    ):
        calls.attach(client)
    worker = Worker(stream_arn(env["EVENTS_TABLE"]))
    results = []
    for tenant, subscribers in (("loc_calls_1", 1), ("loc_calls_10", 10)):
        secret = signing.new_secret()
        token = f"{tenant}.{'t' * 40}"
        services.locations.claim(tenant, token)
        services.locations.complete(tenant, "wh_bench", secret)
        for i in range(subscribers):
            services.subscriptions.create(
                Subscription(
                    f"hook_{tenant}_{i}", tenant, "stamp_added", f"{receiver.url}/s/{i}", {}, signing.new_secret(), "2026-11-22T00:00:00Z"
                )
            )
        worker.drain()
        calls.take()
        body = json.dumps({"event": "stamp_added", "location_id": tenant, "business_id": "b", "timestamp": "2026-11-22T00:00:00Z"})
        before = receiver.count()
        intake.receive(services, token, body.encode(), signing.headers(secret, f"msg_{tenant}", int(time.time()), body))
        deadline = time.monotonic() + 60
        while receiver.count() < before + subscribers and time.monotonic() < deadline:
            if worker.pump_stream() + worker.pump_queue() == 0:
                time.sleep(0.01)
        results.append(calls.take())
    receiver.stop()
    return results[0], results[1]


def _total(calls: dict[str, int], service: str) -> int:
    return sum(n for name, n in calls.items() if name.startswith(service + "."))


def main() -> int:
    os.environ["CONNECTOR_ALLOW_PRIVATE_TARGETS"] = "1"
    port = free_port()
    # moto in its own process, as AWS's services are not inside the Lambda's interpreter (with DynamoDB's per-item atomicity)
    moto = subprocess.Popen(
        [sys.executable, "-m", "stack.moto_atomic", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(url)
        print(f"fan-out of one event to {SUBSCRIBERS} subscribers on {RECEIVERS} local receivers (moto's server for storage and queue)")
        one, ten = count_calls(url)
        print("AWS requests made by the handlers for one signed inbound event (inbound, fan-out, delivery):")
        print(f"  to 1 subscriber:   {_total(one, 'dynamodb')} DynamoDB + {_total(one, 'sqs')} SQS  {dict(sorted(one.items()))}")
        print(f"  to 10 subscribers: {_total(ten, 'dynamodb')} DynamoDB + {_total(ten, 'sqs')} SQS  {dict(sorted(ten.items()))}")
        extra = (_total(ten, "dynamodb") + _total(ten, "sqs") - _total(one, "dynamodb") - _total(one, "sqs")) / 9
        print(f"  per additional subscriber: {extra:.2f} requests (goals: <= 6 DynamoDB for one subscriber, <= 1 per additional one)")
        complete = True
        for latency in (0.0, 0.05):
            base_time, base_count = run(1, url, f"bench-serial-{int(latency * 1000)}", latency)
            fast_time, fast_count = run(32, url, f"bench-parallel-{int(latency * 1000)}", latency)
            complete = complete and base_count == fast_count == SUBSCRIBERS
            print(f" receivers answering after {latency * 1000:.0f} ms:")
            print(
                f"  one at a time (DELIVERY_CONCURRENCY=1):  {base_count} delivered in {base_time:6.2f} s"
                f" = {base_count / base_time:7.1f} deliveries/s"
            )
            print(
                f"  concurrent    (DELIVERY_CONCURRENCY=32): {fast_count} delivered in {fast_time:6.2f} s"
                f" = {fast_count / fast_time:7.1f} deliveries/s"
            )
            print(f"  speed-up: {base_time / fast_time:.2f}x")
    finally:
        moto.terminate()
        moto.wait(timeout=10)
    return 0 if complete else 1


if __name__ == "__main__":
    raise SystemExit(main())
