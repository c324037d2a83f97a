"""End-to-end throughput of the local stack: 500 signed webhooks pushed at concurrency 10, one subscriber answering at once.

The local stack (``stack.local.LocalStack``: moto, the sandbox enforcing 7stamp's 10
requests per second per key, the connector's API, its workers) gets CUSTOMERS customers;
EVENTS events of theirs, each made by the sandbox, are pushed at the connector's inbound
URL as 7stamp pushes them (``benchmarks.load_parties.Sender``: a signed POST, retried with
the same ``webhook-id`` until answered 2xx) by CONCURRENCY senders at once. One
subscriber on ``any`` answers 200 at once and notes when each event first arrived.

Before the run, one event per customer goes through (unmeasured), so that their
profiles are cached as in steady operation: otherwise the first events of each customer
wait for 7stamp's budget (5 lookups a second) and a deferred enrichment (5 s), and the
run measures that instead of the pipeline (``benchmarks.load`` measures enrichment).

Printed: events/s accepted by the inbound route (the baseline: the rate at which events
enter the pipeline), events/s delivered end to end (from the first send to the last
event's arrival), their ratio, p50/p95 from send to arrival, and where the time went
(the workers' handlers, measured by wrapping them). The goal (issue 9) is
printed beside the figure, not enforced; every wait is bounded.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from benchmarks._local import free_port
from benchmarks.load import _connect, _percentile
from benchmarks.load_parties import Sender

EVENTS = 500
CONCURRENCY = 10
CUSTOMERS = 10
EVENT_MIX = ("stamp_added", "card_opened", "voucher_issued", "card_saved")
GOAL_DELIVERED_PER_SECOND = 50.0
DRAIN_LIMIT = 300.0  # the most seconds to wait for the last delivery after the last send


class Arrivals:
    """The subscriber: answers 200 at once, keeps each event's first arrival."""

    def __init__(self) -> None:
        from stack.receiver import HookReceiver

        self._lock = threading.Lock()
        self.first: dict[str, float] = {}
        self.posts = 0
        self._server = HookReceiver(answer=self._answer)

    def _answer(self, delivery: Any) -> int:
        now = time.time()
        event_id = str(delivery.json().get("id"))
        with self._lock:
            self.posts += 1
            self.first.setdefault(event_id, now)
        return 200

    def ids(self) -> set[str]:
        with self._lock:
            return set(self.first)

    def start(self) -> Arrivals:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    @property
    def url(self) -> str:
        return self._server.url + "/hook"


class HandlerClock:
    """Wall time and calls of the app's worker-fed handlers (fanout, deliver), by wrapping them as the worker finds them."""

    def __init__(self, names: tuple[str, ...] = ("fanout", "deliver")) -> None:
        import app

        self.seconds = dict.fromkeys(names, 0.0)
        self.calls = dict.fromkeys(names, 0)
        for name in names:
            self._wrap(app, name)

    def _wrap(self, module: Any, name: str) -> None:
        original = getattr(module, name)

        def timed(event: Any, context: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(event, context)
            finally:
                self.seconds[name] += time.perf_counter() - started
                self.calls[name] += 1

        setattr(module, name, timed)


class AwsCalls:
    """Every request the process's AWS clients send to moto (the handlers' and the worker's event sources'), by operation."""

    def __init__(self) -> None:
        self.calls: dict[str, int] = {}
        self._lock = threading.Lock()

    def attach(self, services: Any) -> None:
        """Count on the clients of the connector's services (``chalicelib.container.Services``)."""
        aws = services.aws
        for client in (aws.client("dynamodb"), aws.bounded_client("dynamodb"), aws.client("sqs"), aws.client("dynamodbstreams")):
            client.meta.events.register("before-call", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.calls[model.name] = self.calls.get(model.name, 0) + 1


def run() -> dict[str, Any]:
    from sandbox import DEMO_KEY_A, DEMO_LOCATION_A
    from stack import moto_atomic
    from stack.local import LocalStack, Ports

    logging.getLogger("connector").setLevel(logging.ERROR)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    moto_atomic.install()
    clock = HandlerClock()
    stack = LocalStack(Ports(free_port(), free_port(), free_port()), sandbox_rate_limit=10.0).start()
    arrivals = Arrivals().start()
    try:
        assert stack.sandbox is not None
        state = stack.sandbox.state
        customers = [
            state.issue_card(DEMO_LOCATION_A, {"email": f"fast{i}@example.com", "name": f"Fast {i}"})[1]["customer"]["id"]
            for i in range(CUSTOMERS)
        ]
        inbound_url, secret = _connect(stack, DEMO_KEY_A, DEMO_LOCATION_A)
        with httpx.Client(base_url=stack.connector_url, headers={"X-API-Key": DEMO_KEY_A}, timeout=30) as client:
            client.post("/v1/hooks", json={"event": "any", "target_url": arrivals.url}).raise_for_status()
        warm_up = Sender(stack.sandbox, DEMO_LOCATION_A, inbound_url, secret)
        for customer in customers:  # each customer's profile looked up once and cached, as in steady operation
            warm_up.push("warm-up", warm_up.make("card_opened", customer))
        warmed = {s.event_id for s in warm_up.sent if s.event_id}
        deadline = time.monotonic() + DRAIN_LIMIT
        while time.monotonic() < deadline and not warmed <= arrivals.ids():
            time.sleep(0.1)
        posts_before = arrivals.posts
        calls = AwsCalls()
        calls.attach(stack.services)
        sender = Sender(stack.sandbox, DEMO_LOCATION_A, inbound_url, secret)
        bodies = [sender.make(EVENT_MIX[i % len(EVENT_MIX)], customers[i % CUSTOMERS]) for i in range(EVENTS)]
        started = time.time()
        with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
            list(pool.map(lambda body: sender.push("run", body), bodies))
        sent_all = time.time()
        accepted = {s.event_id for s in sender.sent if s.event_id}
        deadline = time.monotonic() + DRAIN_LIMIT
        while time.monotonic() < deadline and not accepted <= arrivals.ids():
            time.sleep(0.1)
        first = dict(arrivals.first)
        sent_at = {s.event_id: s.sent_at for s in sender.sent if s.event_id}
        latencies = [first[e] - sent_at[e] for e in accepted if e in first]
        last = max((first[e] for e in accepted if e in first), default=sent_all)
        return {
            "events": EVENTS,
            "accepted": len(accepted),
            "delivered": sum(1 for e in accepted if e in first),
            "posts": arrivals.posts - posts_before,
            "send_seconds": sent_all - started,
            "deliver_seconds": last - started,
            "p50": _percentile(latencies, 0.5),
            "p95": _percentile(latencies, 0.95),
            "handler_seconds": dict(clock.seconds),
            "handler_calls": dict(clock.calls),
            "aws_calls": dict(calls.calls),
        }
    finally:
        arrivals.stop()
        stack.stop()


def main() -> int:
    print(__doc__.split("\n\n")[0])
    r = run()
    accepted_rate = r["accepted"] / r["send_seconds"]
    delivered_rate = r["delivered"] / r["deliver_seconds"]
    print(f"  events: {r['events']} pushed, {r['accepted']} accepted, {r['delivered']} delivered ({r['posts']} POSTs to the subscriber)")
    print(f"  accepted by the inbound route (baseline): {accepted_rate:.1f} events/s ({r['send_seconds']:.1f} s to send all)")
    print(
        f"  delivered end to end: {delivered_rate:.1f} events/s ({r['deliver_seconds']:.1f} s from the first send to the last arrival), "
        f"{delivered_rate / accepted_rate:.2f} of the accepted rate; goal >= {GOAL_DELIVERED_PER_SECOND:g} events/s"
    )
    if r["p50"] is not None:
        print(f"  send to arrival: p50 {r['p50']:.2f} s, p95 {r['p95']:.2f} s")
    busy = ", ".join(f"{name} {r['handler_calls'][name]} calls {r['handler_seconds'][name]:.1f} s" for name in r["handler_seconds"])
    per_event = ", ".join(f"{op} {n / r['events']:.2f}" for op, n in sorted(r["aws_calls"].items(), key=lambda kv: -kv[1]))
    print(f"  AWS requests to moto per event (handlers and event sources, from the start of the sends to the last arrival): {per_event}")
    print(f"  worker handlers (wall time summed over their threads): {busy}")
    return 0 if r["delivered"] == r["accepted"] == r["events"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
