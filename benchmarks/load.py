"""The event pipeline under load on the local stack: nothing lost, nothing twice, nothing missed, enriched, within 7stamp's budget.

The local stack (``stack.local.LocalStack``: moto, the connector's API, its workers, the
sandbox enforcing 7stamp's 10 requests per second per key) gets customers seeded in the
sandbox directly (not through the rate-limited API), then a steady stream of events and a
campaign burst, each made by the sandbox (so its state moves as 7stamp's would) and
pushed at the connector's inbound URL as 7stamp pushes them: a signed POST per event,
retried with the same ``webhook-id`` until it is answered 2xx. One subscriber on ``any``
answers 500 to a fifth of first attempts (chosen by the event id); a poller follows
``GET /v1/triggers/any?since=``. Printed beside each goal: events lost, delivered twice,
missed by the poller, latency from the send to the subscriber's first receipt in the
steady phase, the time to drain the burst, SQS messages sent per delivery attempt, the
share enriched and how often 7stamp answered 429.

Then a crowd: CROWD new customers get their cards at once (the sandbox makes them then;
one ``card_issued`` each, all pushed together), and events for those same customers follow
at the steady rate. Beside the crowd's measured p50/p95 (send to first receipt) it prints
those of the budget-bound ideal schedule computed from the same run's send times: 5
lookups a second (``pacing.PER_SECOND``), each customer once, in order of first need, every
event released the moment its customer's lookup lands (``ideal``); the same for the steady
phase, whose cache starts cold too.

``--small`` is the version ``make test`` runs (it asserts the counts, never the times);
``--json`` prints the figures as one JSON object instead. Every loop is bounded in count
and time.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from benchmarks._local import free_port
from benchmarks.load_parties import POLL_EVERY, SENDERS, Calls, Poller, Sender, Subscriber

CATCH_UP_SECONDS = 30.0  # after the drain, how long the poller may take to see the last events (a since horizon holds recent ones back)
EVENT_MIX = (
    "stamp_added",
    "card_opened",
    "stamp_added",
    "voucher_issued",
    "lottery_played",
    "card_saved",
    "stamp_added",
    "inactivity_trigger",
)


@dataclass(frozen=True)
class Plan:
    customers: int
    steady_rate: float
    steady_seconds: float
    burst: int
    drain_limit: float  # the most seconds to wait for every event to arrive after the last send
    crowd: int  # new customers whose cards are issued at once
    crowd_seconds: float  # then events for them at the steady rate, this long


FULL = Plan(customers=200, steady_rate=10.0, steady_seconds=60.0, burst=500, drain_limit=300.0, crowd=200, crowd_seconds=60.0)
SMALL = Plan(customers=40, steady_rate=10.0, steady_seconds=3.0, burst=60, drain_limit=120.0, crowd=20, crowd_seconds=2.0)


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
    enrich_messages: int
    delivery_attempts: int
    sqs_per_attempt: float | None
    enriched_share: float | None
    sevenstamp_requests: int
    sevenstamp_429: int
    sevenstamp_peak_per_second: int
    enrichment_dynamodb_calls: dict[str, int]
    crowd_p50_s: float | None = None
    crowd_p95_s: float | None = None
    crowd_ideal_p50_s: float | None = None
    crowd_ideal_p95_s: float | None = None
    steady_ideal_p50_s: float | None = None
    steady_ideal_p95_s: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Releases(logging.Handler):
    """Which events the deferred enrichment released (``connector.lookups``'s log line names each): where the latency goes."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.ids: set[str] = set()
        self.waits: list[float] = []  # receipt to release of each, in seconds

    def emit(self, record: logging.LogRecord) -> None:
        if str(record.msg).startswith("event %s released") and isinstance(record.args, tuple):
            self.ids.add(str(record.args[0]))
            self.waits.append(float(str(record.args[2])))

    def attach(self) -> Releases:
        log = logging.getLogger("connector.lookups")
        log.setLevel(logging.INFO)
        log.addHandler(self)
        return self


class Tries:
    """How often the deferred enrichment tried, and how long its tries held the queue worker (they run one after another)."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0
        self._lock = threading.Lock()

    def attach(self) -> Tries:
        from chalicelib.pipeline import enrich_jobs

        real = enrich_jobs.run

        def timed(services: Any, job: Any) -> None:
            started = time.monotonic()
            try:
                real(services, job)
            finally:
                with self._lock:
                    self.count += 1
                    self.seconds += time.monotonic() - started

        enrich_jobs.run = timed  # type: ignore[assignment]
        return self


def ideal_landings(sends: list[tuple[float, str]], per_second: int) -> dict[str, float]:
    """When each customer's lookup lands in the budget-bound ideal: ``per_second`` lookups a second, each customer once,
    in order of first need (``sends``: send time and customer, any order)."""
    first: dict[str, float] = {}
    for sent_at, customer in sorted(sends):
        first.setdefault(customer, sent_at)
    landed: dict[str, float] = {}
    free = float("-inf")
    for customer in sorted(first, key=lambda c: first[c]):
        landed[customer] = free = max(free + 1 / per_second, first[customer])
    return landed


def ideal(sends: list[tuple[float, str]], per_second: int) -> list[float]:
    """Each event's latency under the budget-bound ideal: each event released the moment its customer's lookup lands."""
    landed = ideal_landings(sends, per_second)
    return [max(0.0, landed[customer] - sent_at) for sent_at, customer in sends]


def lookup_lags(sent: list[Any], subscriber: Subscriber, phase: str) -> list[float]:
    """Per customer of the phase: its first event's receipt (its details were known by then) after the ideal's landing."""
    from chalicelib.sevenstamp import pacing

    events = [s for s in sent if s.phase == phase and s.event_id and s.customer]
    landed = ideal_landings([(s.sent_at, s.customer) for s in events], pacing.PER_SECOND)
    known: dict[str, float] = {}
    for s in events:
        if s.event_id in subscriber.first_seen:
            known[s.customer] = min(known.get(s.customer, float("inf")), subscriber.first_seen[s.event_id])
    return [known[c] - landed[c] for c in known]


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _connect(stack: Any, api_key: str, location_id: str) -> tuple[str, str]:
    """The connector's first call registers its inbound URL with the sandbox; the sandbox's own delivery is then
    muted (the registration stays: the connector checks that 7stamp still holds it), the benchmark pushes instead."""
    with httpx.Client(base_url=stack.connector_url, headers={"X-API-Key": api_key}, timeout=30) as client:
        client.get("/v1/me").raise_for_status()
    connection = stack.services.locations.get(location_id)
    assert connection is not None and connection.secret
    state = stack.sandbox.state
    with state.lock:
        for endpoint_id in [e for e in state.webhook_endpoints if state.owner[e] == location_id]:
            state.webhook_endpoints[endpoint_id]["events"] = []
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
        customers = [_new_customer(state, DEMO_LOCATION_A, f"guest{i}") for i in range(plan.customers)]
        inbound_url, secret = _connect(stack, DEMO_KEY_A, DEMO_LOCATION_A)
        with httpx.Client(base_url=stack.connector_url, headers={"X-API-Key": DEMO_KEY_A}, timeout=30) as client:
            client.post("/v1/hooks", json={"event": "any", "target_url": subscriber.url}).raise_for_status()
        calls = Calls()
        calls.attach(stack.services)
        releases = Releases().attach()
        tries = Tries().attach()
        stack.sandbox.limiter.reset()  # count only the run: connecting made two calls of its own
        poller = Poller(stack.connector_url, DEMO_KEY_A).start()
        sender = Sender(stack.sandbox, DEMO_LOCATION_A, inbound_url, secret)
        rng = random.Random(8)
        with ThreadPoolExecutor(max_workers=SENDERS) as pool:
            _steady(pool, sender, rng, customers, plan.steady_rate, plan.steady_seconds, "steady")
            burst_started = time.time()
            for i in range(plan.burst):
                pool.submit(sender.push, "burst", sender.make("campaign_sent", customers[i % len(customers)]))
        _wait_delivered(sender, subscriber, plan.drain_limit)  # the crowd starts on a quiet pipeline
        crowd = [_new_customer(state, DEMO_LOCATION_A, f"crowd{i}") for i in range(plan.crowd)]
        with ThreadPoolExecutor(max_workers=SENDERS) as pool:
            for customer in crowd:
                pool.submit(sender.push, "crowd", sender.make("card_issued", customer), customer)
            _steady(pool, sender, rng, crowd, plan.steady_rate, plan.crowd_seconds, "crowd")
        # the pool has sent everything (each event accepted or given up); now wait for the deliveries
        accepted = _wait_delivered(sender, subscriber, plan.drain_limit)
        poller.stop()
        caught_up = time.monotonic() + CATCH_UP_SECONDS  # the poller's last rounds: until it has seen every stored event, bounded
        while time.monotonic() < caught_up and not accepted <= set(poller.seen):
            poller.poll_once()
            time.sleep(POLL_EVERY)
        figures = _figures(sender, subscriber, poller, calls, stack, DEMO_KEY_A, burst_started, releases.ids)
        figures.extra.update(
            release_p50_s=_percentile(releases.waits, 0.5),
            release_p95_s=_percentile(releases.waits, 0.95),
            enrich_tries=tries.count,
            enrich_try_seconds=round(tries.seconds, 1),
        )
        return figures
    finally:
        subscriber.stop()
        stack.stop()


def _new_customer(state: Any, location_id: str, name: str) -> str:
    """A customer with a card, made in the sandbox directly (no API call): the connector has never seen them."""
    body = {"email": f"{name}@example.com", "name": name.title(), "birthday": "1990-01-01"}
    return str(state.issue_card(location_id, body)[1]["customer"]["id"])


def _steady(
    pool: ThreadPoolExecutor, sender: Sender, rng: random.Random, customers: list[str], rate: float, seconds: float, phase: str
) -> None:
    """Events of the mix for random customers of the list, ``rate`` a second for ``seconds``, each pushed by the pool."""
    started = time.monotonic()
    for i in range(int(rate * seconds)):
        time.sleep(max(0.0, started + i / rate - time.monotonic()))
        customer = rng.choice(customers)
        pool.submit(sender.push, phase, sender.make(rng.choice(EVENT_MIX), customer), customer)


def _wait_delivered(sender: Sender, subscriber: Subscriber, limit: float) -> set[str]:
    """Wait (at most ``limit`` seconds) until every event accepted so far has been delivered; the accepted ids."""
    accepted = {s.event_id for s in sender.sent if s.event_id}
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and not accepted <= subscriber.accepted_ids():
        time.sleep(0.2)
    return accepted


def _latencies(sent: list[Any], subscriber: Subscriber, phase: str) -> tuple[list[float], list[float]]:
    """The phase's events' send-to-first-receipt latencies, and the ideal schedule's for the same sends."""
    from chalicelib.sevenstamp import pacing

    events = [s for s in sent if s.phase == phase and s.event_id and s.customer]
    measured = [subscriber.first_seen[s.event_id] - s.sent_at for s in events if s.event_id in subscriber.first_seen]
    return measured, ideal([(s.sent_at, s.customer) for s in events], pacing.PER_SECOND)


def _figures(
    sender: Sender, subscriber: Subscriber, poller: Poller, calls: Calls, stack: Any, api_key: str, burst_started: float, released: set[str]
) -> Figures:
    sent = sender.sent
    accepted = [s for s in sent if s.event_id]
    delivered = subscriber.accepted_ids()
    lost = [s for s in sent if s.event_id not in delivered]
    steady = [s for s in accepted if s.phase == "steady"]
    first = [subscriber.first_seen[s.event_id] - s.sent_at for s in steady if s.event_id in subscriber.first_seen]
    late = [subscriber.first_seen[s.event_id] - s.sent_at for s in steady if s.event_id in subscriber.first_seen and s.event_id in released]
    inline = [
        subscriber.first_seen[s.event_id] - s.sent_at for s in steady if s.event_id in subscriber.first_seen and s.event_id not in released
    ]
    # the receipt time inside each id (evt_<ms>_...) splits the latency:
    # send to stored (inbound, with enrichment), stored to receipt (pipeline)
    stored_at = {s.event_id: int(s.event_id.split("_")[1]) / 1000 for s in steady if s.event_id and s.event_id.count("_") == 2}
    to_store = [stored_at[s.event_id] - s.sent_at for s in steady if s.event_id in stored_at]
    pipeline = [subscriber.first_seen[i] - t for i, t in stored_at.items() if i in subscriber.first_seen and i not in released]
    ok = [subscriber.accepted[s.event_id] - s.sent_at for s in steady if s.event_id in subscriber.accepted]
    burst_done = [subscriber.accepted[s.event_id] for s in accepted if s.phase == "burst" and s.event_id in subscriber.accepted]
    burst_count = sum(1 for s in sent if s.phase == "burst")
    drain = max(burst_done) - burst_started if burst_done and len(burst_done) == burst_count else None
    polled = set(poller.seen)
    usage = stack.sandbox.limiter.usage(api_key)
    enriched = [subscriber.enriched[i] for i in delivered]
    crowd, crowd_ideal = _latencies(sent, subscriber, "crowd")
    _, steady_ideal = _latencies(sent, subscriber, "steady")
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
        enrich_messages=calls.enrich_messages,
        delivery_attempts=subscriber.attempts,
        sqs_per_attempt=(calls.sqs_messages - calls.enrich_messages) / subscriber.attempts if subscriber.attempts else None,
        enriched_share=sum(enriched) / len(enriched) if enriched else None,
        sevenstamp_requests=int(usage["requests"]),
        sevenstamp_429=int(usage["throttled"]),
        sevenstamp_peak_per_second=int(usage["peak_per_second"]),
        enrichment_dynamodb_calls=dict(calls.enrichment),
        crowd_p50_s=_percentile(crowd, 0.5),
        crowd_p95_s=_percentile(crowd, 0.95),
        crowd_ideal_p50_s=_percentile(crowd_ideal, 0.5),
        crowd_ideal_p95_s=_percentile(crowd_ideal, 0.95),
        steady_ideal_p50_s=_percentile(steady_ideal, 0.5),
        steady_ideal_p95_s=_percentile(steady_ideal, 0.95),
        extra={
            "crowd_lookup_lag_p50_s": _percentile(lookup_lags(sent, subscriber, "crowd"), 0.5),
            "crowd_lookup_lag_p95_s": _percentile(lookup_lags(sent, subscriber, "crowd"), 0.95),
            "send_to_stored_p50_s": _percentile(to_store, 0.5),
            "send_to_stored_p95_s": _percentile(to_store, 0.95),
            "stored_to_receipt_p50_s": _percentile(pipeline, 0.5),
            "stored_to_receipt_p95_s": _percentile(pipeline, 0.95),
            "steady_enriched_later": len(late),
            "steady_enriched_at_once": len(inline),
            "later_p50_s": _percentile(late, 0.5),
            "later_p95_s": _percentile(late, 0.95),
            "at_once_p50_s": _percentile(inline, 0.5),
            "at_once_p95_s": _percentile(inline, 0.95),
            "sends_given_up": sender.failed_sends,
            "polled_twice": len(poller.seen) - len(polled),
            "burst_delivered": len(burst_done),
            "burst": burst_count,
        },
    )


def _show(value: float | None, unit: str = "") -> str:
    if value is None:
        return "n/a"
    return f"{value:.2f}{unit}" if isinstance(value, float) else f"{value}{unit}"


def _show3(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def report(plan: Plan, f: Figures) -> str:
    def line(name: str, value: str, goal: str, met: bool | None) -> str:
        mark = "n/a" if met is None else ("met" if met else "MISSED")
        return f"  {name:<44} {value:>12}   goal {goal:<10} {mark}"

    def at_most(value: float | None, goal: float) -> bool | None:
        return None if value is None else value <= goal

    lines = [
        f"load on the local stack: {plan.customers} customers, {plan.steady_rate:g} events/s for {plan.steady_seconds:g} s, "
        f"then a burst of {plan.burst} campaign_sent; then a crowd of {plan.crowd} new customers' card_issued at once, "
        f"then {plan.steady_rate:g} events/s for them for {plan.crowd_seconds:g} s",
        f"  events sent {f.events}, accepted by the inbound route {f.accepted}; subscriber attempts {f.delivery_attempts}",
        line("events lost", str(f.lost), "0", f.lost == 0),
        line("events delivered twice", str(f.delivered_twice), "0", f.delivered_twice == 0),
        line("events missed by the since poller", str(f.missed_by_poller), "0", f.missed_by_poller == 0),
        line("steady p50, send to first receipt", _show(f.steady_p50_s, " s"), "<= 1 s", at_most(f.steady_p50_s, 1.0)),
        line("steady p95, send to first receipt", _show(f.steady_p95_s, " s"), "<= 5 s", at_most(f.steady_p95_s, 5.0)),
        line(
            "steady ideal p50 / p95 (5 lookups/s, in order)",
            f"{_show(f.steady_ideal_p50_s)} / {_show(f.steady_ideal_p95_s)} s",
            "(bound)",
            None,
        ),
        line("crowd p50, send to first receipt", _show(f.crowd_p50_s, " s"), "<= 1 s", at_most(f.crowd_p50_s, 1.0)),
        line(
            "crowd p95, send to first receipt",
            _show(f.crowd_p95_s, " s"),
            "<= " + (f"{1.25 * f.crowd_ideal_p95_s + 1:.2f} s" if f.crowd_ideal_p95_s is not None else "n/a"),
            None if f.crowd_ideal_p95_s is None else at_most(f.crowd_p95_s, 1.25 * f.crowd_ideal_p95_s + 1),
        ),
        line(
            "crowd ideal p50 / p95 (5 lookups/s, in order)",
            f"{_show(f.crowd_ideal_p50_s)} / {_show(f.crowd_ideal_p95_s)} s",
            "(bound)",
            None,
        ),
        line("steady p50, send to the 2xx receipt", _show(f.steady_p50_accepted_s, " s"), "(info)", None),
        line("steady p95, send to the 2xx receipt", _show(f.steady_p95_accepted_s, " s"), "(info)", None),
        line(
            "burst drained in",
            _show(f.burst_drain_s, " s") if f.burst_drain_s is not None else f"not ({f.extra['burst_delivered']}/{f.extra['burst']})",
            "<= 120 s",
            f.burst_drain_s is not None and f.burst_drain_s <= 120.0,
        ),
        line("SQS delivery jobs sent per delivery attempt", _show3(f.sqs_per_attempt), "<= 1.05", at_most(f.sqs_per_attempt, 1.05)),
        line(
            "SQS messages in all per delivery attempt",
            _show3(f.sqs_messages / f.delivery_attempts if f.delivery_attempts else None),
            "(info)",
            None,
        ),
        line(
            "share enriched",
            _show(None if f.enriched_share is None else 100 * f.enriched_share, " %"),
            ">= 99 %",
            None if f.enriched_share is None else f.enriched_share >= 0.99,
        ),
        line("7stamp answers 429", str(f.sevenstamp_429), "0", f.sevenstamp_429 == 0),
        f"  where the steady latency goes: {f.extra['steady_enriched_at_once']} events enriched on receipt, first receipt p50/p95 "
        f"{_show(f.extra['at_once_p50_s'], ' s')} / {_show(f.extra['at_once_p95_s'], ' s')}; "
        f"{f.extra['steady_enriched_later']} enriched later "
        f"(stored awaiting), {_show(f.extra['later_p50_s'], ' s')} / {_show(f.extra['later_p95_s'], ' s')}, released after "
        f"{_show(f.extra.get('release_p50_s'), ' s')} / {_show(f.extra.get('release_p95_s'), ' s')} (all phases); send to stored p50/p95 "
        f"{_show(f.extra['send_to_stored_p50_s'], ' s')} / {_show(f.extra['send_to_stored_p95_s'], ' s')}, "
        "stored to first receipt (enriched on receipt) "
        f"{_show(f.extra['stored_to_receipt_p50_s'], ' s')} / {_show(f.extra['stored_to_receipt_p95_s'], ' s')}",
        f"  the crowd's customers first arrived p50/p95 {_show(f.extra.get('crowd_lookup_lag_p50_s'), ' s')} / "
        f"{_show(f.extra.get('crowd_lookup_lag_p95_s'), ' s')} after the ideal schedule's lookup of them landed",
        f"  deferred enrichment: {f.extra.get('enrich_tries')} tries, "
        f"{f.extra.get('enrich_try_seconds')} s of the queue worker's time in them",
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
