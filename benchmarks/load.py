"""The event pipeline under load on the local stack: nothing lost, nothing twice, nothing missed, enriched, within 7stamp's budget.

The local stack (``stack.local.LocalStack``: moto, the connector's API, its workers, the
sandbox enforcing 7stamp's 10 requests per second per key) gets customers seeded in the
sandbox directly (not through the rate-limited API), then a steady stream of events and a
campaign burst, each made by the sandbox (so its state moves as 7stamp's would) and
pushed at the connector's inbound URL as 7stamp pushes them: a signed POST per event,
retried with the same ``webhook-id`` until it is answered 2xx. One subscriber on ``any``
answers 500 to a fifth of first attempts (chosen by the webhook id); a poller follows
``GET /v1/triggers/any?since=``. Printed beside each goal: events lost, delivered twice,
missed by the poller, latency from the send to the subscriber's first receipt in the
steady phase, the time to drain the burst, SQS messages sent per delivery attempt, the
share enriched and how often 7stamp answered 429.

``--small`` is the version ``make test`` runs (it asserts the counts, never the times);
``--json`` prints the figures as one JSON object instead. Every loop is bounded in count
and time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import random
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from benchmarks._local import free_port

EVENT_MIX = ("stamp_added", "card_opened", "stamp_added", "voucher_issued", "lottery_played", "card_saved", "stamp_added", "inactivity_trigger")
FAIL_EVERY = 5  # the subscriber answers 500 to the first attempt of one event in five
SEND_ATTEMPTS = 5  # 7stamp retries an unanswered webhook; the benchmark a bounded number of times
POLL_EVERY = 0.5
SENDERS = 20


@dataclass(frozen=True)
class Plan:
    customers: int
    steady_rate: float
    steady_seconds: float
    burst: int
    drain_limit: float  # the most seconds to wait for every event to arrive after the last send


FULL = Plan(customers=200, steady_rate=10.0, steady_seconds=60.0, burst=500, drain_limit=300.0)
SMALL = Plan(customers=40, steady_rate=10.0, steady_seconds=3.0, burst=60, drain_limit=120.0)


@dataclass
class Sent:
    """One event as 7stamp sent it: when, in which phase, and the connector's id for it (None until accepted)."""

    webhook_id: str
    phase: str
    sent_at: float
    event_id: str | None = None


@dataclass
class Figures:
    events: int
    accepted: int
    lost: int
    delivered_twice: int
    missed_by_poller: int
    steady_p50_s: float | None
    steady_p95_s: float | None
    steady_p50_accepted_s: float | None
    steady_p95_accepted_s: float | None
    burst_drain_s: float | None
    sqs_messages: int
    delivery_attempts: int
    sqs_per_attempt: float | None
    enriched_share: float | None
    sevenstamp_requests: int
    sevenstamp_429: int
    sevenstamp_peak_per_second: int
    enrichment_dynamodb_calls: dict[str, int]
    extra: dict[str, Any] = field(default_factory=dict)


class Subscriber:
    """The subscriber's side: every POST with its arrival time; a fifth of first attempts answered 500."""

    def __init__(self) -> None:
        from stack.receiver import HookReceiver

        self._lock = threading.Lock()
        self.first_seen: dict[str, float] = {}
        self.accepted: dict[str, float] = {}  # event id -> first 2xx answer
        self.accepted_twice: set[str] = set()
        self.attempts = 0
        self.enriched: dict[str, bool] = {}
        self._server = HookReceiver(answer=self._answer)

    def _answer(self, delivery: Any) -> int:
        now = time.time()
        try:
            record = delivery.record()
        except ValueError:
            return 400
        event_id = str(record.get("id"))
        with self._lock:
            self.attempts += 1
            first = event_id not in self.first_seen
            self.first_seen.setdefault(event_id, now)
            fails = first and int(hashlib.sha256(event_id.encode()).hexdigest(), 16) % FAIL_EVERY == 0
            if fails:
                return 500
            if event_id in self.accepted:
                self.accepted_twice.add(event_id)
            else:
                self.accepted[event_id] = now
                self.enriched[event_id] = bool(record.get("enriched"))
            return 200

    @property
    def url(self) -> str:
        return self._server.url + "/hook"

    def start(self) -> Subscriber:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def accepted_ids(self) -> set[str]:
        with self._lock:
            return set(self.accepted)


class Poller:
    """A Make watch module: follows ``since`` with the cursor each answer hands back, and keeps every id seen."""

    def __init__(self, connector_url: str, api_key: str) -> None:
        self._http = httpx.Client(base_url=connector_url, headers={"X-API-Key": api_key}, timeout=30)
        self._cursor: str | None = None
        self.seen: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="poller", daemon=True)

    def poll_once(self) -> int:
        """Pages until an answer is not full; returns how many records came."""
        got = 0
        for _ in range(100):
            params: dict[str, Any] = {"limit": 100}
            if self._cursor:
                params["since"] = self._cursor
            answer = self._http.get("/v1/triggers/any", params=params)
            if answer.status_code != 200:
                return got
            records = answer.json()
            self.seen.extend(str(r["id"]) for r in records if not r.get("sample"))
            got += len(records)
            self._cursor = answer.headers.get("X-Next-Cursor") or self._cursor
            if len(records) < 100:
                break
        return got

    def _run(self) -> None:
        while not self._stop.wait(POLL_EVERY):
            try:
                self.poll_once()
            except httpx.HTTPError:
                continue

    def start(self) -> Poller:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


class Calls:
    """AWS calls of this process worth counting: messages sent to SQS, and enrichment's DynamoDB calls (pacing book, customer cache)."""

    def __init__(self) -> None:
        self.sqs_messages = 0
        self.enrichment: dict[str, int] = {"pace writes": 0, "cache reads": 0, "cache writes": 0}
        self._lock = threading.Lock()

    def attach(self) -> None:
        from chalicelib import aws

        sqs = aws.client("sqs").meta.events
        sqs.register("provide-client-params.sqs.SendMessageBatch", self._batch)
        sqs.register("provide-client-params.sqs.SendMessage", self._one)
        dynamodb = aws.client("dynamodb").meta.events
        for operation in ("UpdateItem", "GetItem", "PutItem"):
            dynamodb.register(f"provide-client-params.dynamodb.{operation}", self._dynamodb)

    def _batch(self, params: dict[str, Any], **_: Any) -> None:
        with self._lock:
            self.sqs_messages += len(params.get("Entries") or [])

    def _one(self, params: dict[str, Any], **_: Any) -> None:
        with self._lock:
            self.sqs_messages += 1

    def _dynamodb(self, params: dict[str, Any], **_: Any) -> None:
        pk = str(((params.get("Key") or params.get("Item") or {}).get("pk") or {}).get("S", ""))
        kind = "pace writes" if pk.startswith("pace#") else ("cache writes" if "Item" in params else "cache reads") if pk.startswith("cust#") else None
        if kind:
            with self._lock:
                self.enrichment[kind] += 1


class Sender:
    """7stamp's side: makes events in the sandbox and pushes them, signed, at the inbound URL."""

    def __init__(self, sandbox: Any, location_id: str, inbound_url: str, secret: str) -> None:
        from standardwebhooks import Webhook

        self._sandbox = sandbox
        self._location_id = location_id
        self._url = inbound_url
        self._signer = Webhook(secret)
        self._http = httpx.Client(timeout=30, limits=httpx.Limits(max_connections=SENDERS * 2))
        self._lock = threading.Lock()
        self.sent: list[Sent] = []
        self.failed_sends = 0

    def make(self, event: str, customer_id: str) -> str:
        """The event's body as 7stamp would send it (the sandbox's own emit, with nobody subscribed there)."""
        body = {"location_id": self._location_id, "event": event, "customer_id": customer_id, "campaign_name": "Autumn"}
        return json.dumps(self._sandbox.state.emit_control(body)["event"])

    def push(self, phase: str, body: str) -> None:
        webhook_id = "msg_" + hashlib.sha256(f"{time.time_ns()}{random.random()}".encode()).hexdigest()[:24]
        sent = Sent(webhook_id, phase, time.time())
        with self._lock:
            self.sent.append(sent)
        for attempt in range(SEND_ATTEMPTS):
            signature = self._signer.sign(webhook_id, datetime.now(UTC), body)
            headers = {"content-type": "application/json", "webhook-id": webhook_id, "webhook-timestamp": str(int(time.time())), "webhook-signature": signature}
            try:
                answer = self._http.post(self._url, content=body.encode(), headers=headers)
            except httpx.HTTPError:
                answer = None
            if answer is not None and answer.status_code < 300:
                sent.event_id = str(answer.json()["id"])
                return
            time.sleep(min(4.0, 0.5 * 2**attempt))
        with self._lock:
            self.failed_sends += 1


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _connect(stack: Any, api_key: str, location_id: str) -> tuple[str, str]:
    """The connector's first call registers its inbound URL with the sandbox; the sandbox's own delivery is then removed, the benchmark pushes instead."""
    from chalicelib import services

    with httpx.Client(base_url=stack.connector_url, headers={"X-API-Key": api_key}, timeout=30) as client:
        client.get("/v1/me").raise_for_status()
    connection = services.locations().get(location_id)
    assert connection is not None and connection.secret
    state = stack.sandbox.state
    for endpoint_id in [e for e in state.webhook_endpoints if state.owner[e] == location_id]:
        state.delete_webhook(location_id, endpoint_id)
    return f"{stack.public_url}/inbound/7stamp/{connection.token}", connection.secret


def run(plan: Plan) -> Figures:
    """One whole run on a stack of its own; the figures as measured."""
    from sandbox import DEMO_KEY_A, DEMO_LOCATION_A
    from stack import moto_atomic
    from stack.local import LocalStack, Ports

    logging.getLogger("connector").setLevel(logging.ERROR)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request lines
    moto_atomic.install()  # DynamoDB's per-item atomicity for the in-process moto (idempotent)
    stack = LocalStack(Ports(free_port(), free_port(), free_port()), sandbox_rate_limit=10.0).start()
    subscriber = Subscriber().start()
    try:
        assert stack.sandbox is not None
        state = stack.sandbox.state
        customers = [
            state.issue_card(DEMO_LOCATION_A, {"email": f"guest{i}@example.com", "name": f"Guest {i}", "birthday": "1990-01-01"})[1]["customer"]["id"]
            for i in range(plan.customers)
        ]
        inbound_url, secret = _connect(stack, DEMO_KEY_A, DEMO_LOCATION_A)
        with httpx.Client(base_url=stack.connector_url, headers={"X-API-Key": DEMO_KEY_A}, timeout=30) as client:
            client.post("/v1/hooks", json={"event": "any", "target_url": subscriber.url}).raise_for_status()
        calls = Calls()
        calls.attach()
        stack.sandbox.limiter.reset()  # count only the run: connecting made two calls of its own
        poller = Poller(stack.connector_url, DEMO_KEY_A).start()
        sender = Sender(stack.sandbox, DEMO_LOCATION_A, inbound_url, secret)
        rng = random.Random(8)
        with ThreadPoolExecutor(max_workers=SENDERS) as pool:
            started = time.monotonic()
            steady = int(plan.steady_rate * plan.steady_seconds)
            for i in range(steady):
                due = started + i / plan.steady_rate
                time.sleep(max(0.0, due - time.monotonic()))
                body = sender.make(rng.choice(EVENT_MIX), rng.choice(customers))
                pool.submit(sender.push, "steady", body)
            burst_started = time.time()
            for i in range(plan.burst):
                pool.submit(sender.push, "burst", sender.make("campaign_sent", customers[i % len(customers)]))
        # the pool has sent everything (each event accepted or given up); now wait for the deliveries
        accepted = {s.event_id for s in sender.sent if s.event_id}
        deadline = time.monotonic() + plan.drain_limit
        while time.monotonic() < deadline and not accepted <= subscriber.accepted_ids():
            time.sleep(0.2)
        poller.stop()
        for _ in range(20):  # the poller's last rounds: until it has caught up
            if poller.poll_once() == 0:
                break
        return _figures(sender, subscriber, poller, calls, stack, DEMO_KEY_A, burst_started)
    finally:
        subscriber.stop()
        stack.stop()


def _figures(sender: Sender, subscriber: Subscriber, poller: Poller, calls: Calls, stack: Any, api_key: str, burst_started: float) -> Figures:
    sent = sender.sent
    accepted = [s for s in sent if s.event_id]
    delivered = subscriber.accepted_ids()
    lost = [s for s in sent if s.event_id not in delivered]
    steady = [s for s in accepted if s.phase == "steady"]
    first = [subscriber.first_seen[s.event_id] - s.sent_at for s in steady if s.event_id in subscriber.first_seen]
    ok = [subscriber.accepted[s.event_id] - s.sent_at for s in steady if s.event_id in subscriber.accepted]
    burst_done = [subscriber.accepted[s.event_id] for s in accepted if s.phase == "burst" and s.event_id in subscriber.accepted]
    burst_count = sum(1 for s in sent if s.phase == "burst")
    drain = max(burst_done) - burst_started if burst_done and len(burst_done) == burst_count else None
    polled = set(poller.seen)
    usage = stack.sandbox.limiter.usage(api_key)
    enriched = [subscriber.enriched[i] for i in delivered]
    return Figures(
        events=len(sent),
        accepted=len(accepted),
        lost=len(lost),
        delivered_twice=len(subscriber.accepted_twice),
        missed_by_poller=sum(1 for s in accepted if s.event_id not in polled),
        steady_p50_s=_percentile(first, 0.5),
        steady_p95_s=_percentile(first, 0.95),
        steady_p50_accepted_s=_percentile(ok, 0.5),
        steady_p95_accepted_s=_percentile(ok, 0.95),
        burst_drain_s=drain,
        sqs_messages=calls.sqs_messages,
        delivery_attempts=subscriber.attempts,
        sqs_per_attempt=calls.sqs_messages / subscriber.attempts if subscriber.attempts else None,
        enriched_share=sum(enriched) / len(enriched) if enriched else None,
        sevenstamp_requests=int(usage["requests"]),
        sevenstamp_429=int(usage["throttled"]),
        sevenstamp_peak_per_second=int(usage["peak_per_second"]),
        enrichment_dynamodb_calls=dict(calls.enrichment),
        extra={"sends_given_up": sender.failed_sends, "polled_twice": len(poller.seen) - len(polled), "burst_delivered": len(burst_done), "burst": burst_count},
    )


def _show(value: float | None, unit: str = "") -> str:
    if value is None:
        return "n/a"
    return f"{value:.2f}{unit}" if isinstance(value, float) else f"{value}{unit}"


def report(plan: Plan, f: Figures) -> str:
    def line(name: str, value: str, goal: str, met: bool | None) -> str:
        mark = "n/a" if met is None else ("met" if met else "MISSED")
        return f"  {name:<44} {value:>12}   goal {goal:<10} {mark}"

    def at_most(value: float | None, goal: float) -> bool | None:
        return None if value is None else value <= goal

    lines = [
        f"load on the local stack: {plan.customers} customers, {plan.steady_rate:g} events/s for {plan.steady_seconds:g} s, then a burst of {plan.burst} campaign_sent",
        f"  events sent {f.events}, accepted by the inbound route {f.accepted}; subscriber attempts {f.delivery_attempts}",
        line("events lost", str(f.lost), "0", f.lost == 0),
        line("events delivered twice", str(f.delivered_twice), "0", f.delivered_twice == 0),
        line("events missed by the since poller", str(f.missed_by_poller), "0", f.missed_by_poller == 0),
        line("steady p50, send to first receipt", _show(f.steady_p50_s, " s"), "<= 1 s", at_most(f.steady_p50_s, 1.0)),
        line("steady p95, send to first receipt", _show(f.steady_p95_s, " s"), "<= 5 s", at_most(f.steady_p95_s, 5.0)),
        line("steady p50, send to the 2xx receipt", _show(f.steady_p50_accepted_s, " s"), "(info)", None),
        line("steady p95, send to the 2xx receipt", _show(f.steady_p95_accepted_s, " s"), "(info)", None),
        line("burst drained in", _show(f.burst_drain_s, " s") if f.burst_drain_s is not None else f"not ({f.extra['burst_delivered']}/{f.extra['burst']})",
             "<= 120 s", f.burst_drain_s is not None and f.burst_drain_s <= 120.0),
        line("SQS messages sent per delivery attempt", _show(f.sqs_per_attempt), "<= 1.05", at_most(f.sqs_per_attempt, 1.05)),
        line("share enriched", _show(None if f.enriched_share is None else 100 * f.enriched_share, " %"), ">= 99 %",
             None if f.enriched_share is None else f.enriched_share >= 0.99),
        line("7stamp answers 429", str(f.sevenstamp_429), "0", f.sevenstamp_429 == 0),
        f"  7stamp requests with the key {f.sevenstamp_requests}, at most {f.sevenstamp_peak_per_second} in one second (pacing allows 5)",
        f"  enrichment's DynamoDB calls per accepted event {sum(f.enrichment_dynamodb_calls.values()) / max(1, f.accepted):.2f} "
        f"({', '.join(f'{k} {v}' for k, v in f.enrichment_dynamodb_calls.items())}); "
        f"pace writes per 7stamp call {f.enrichment_dynamodb_calls['pace writes'] / max(1, f.sevenstamp_requests):.2f}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--small", action="store_true", help="the short version make test runs")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    plan = SMALL if args.small else FULL
    figures = run(plan)
    print(json.dumps(asdict(figures)) if args.json else report(plan, figures), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
