"""Nobody waits for a neighbour: location B's latency with location A's subscriber quiet, then hanging, in one run.

The local stack (``stack.local.LocalStack``: moto, the connector's API, its workers, the
sandbox) gets two locations, each with one subscriber. Phase "quiet": B's 7stamp sends 3
events a second for 30 s to B's healthy subscriber while A sends nothing. Phase
"hanging": A's subscriber hangs 20 s on every request (past the 15 s delivery timeout)
while A's 7stamp sends a burst of 200 events, and B sends 3 a second for 30 s again.
Printed: B's p50 and p95 from the send to its subscriber's receipt in both phases, side
by side; the attempts made to A during the hang and the worker seconds they held; then A's
endpoint answers again and the time until every one of A's 200 events is delivered.
Goal: B's p95 with A hanging <= 2 x B's p95 with A quiet + 0.5 s.

Events name one customer per location, looked up once, so enrichment's budget is not
what is measured. Every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from benchmarks._local import free_port
from benchmarks.load import _connect, _percentile
from benchmarks.load_parties import Sender

RATE_B = 3.0
SECONDS_B = 30.0
BURST_A = 200
HANG_SECONDS = 20.0
RECOVERY_LIMIT = 900.0  # the longest wait for A's held deliveries after its endpoint answers (the breaker's longest hold is 600 s)


class Arrivals:
    """A subscriber's side: the first arrival time of each event id (and how many POSTs came)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.first: dict[str, float] = {}
        self.posts = 0
        self.hanging = False

    def answer(self, delivery: Any) -> int:
        record = delivery.json()
        with self._lock:
            self.posts += 1
            hanging = self.hanging
            if not hanging:
                self.first.setdefault(str(record.get("id")), time.time())
        if hanging:
            time.sleep(HANG_SECONDS)  # the receiver's thread, as a hanging endpoint's would
            return 504
        return 200


class AttemptClock:
    """Seconds the workers spent in POSTs to one URL prefix (wrapping the attempt's POST, measured in this process)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.seconds = 0.0
        self.attempts = 0
        self._lock = threading.Lock()

    def wrap(self, post: Callable[..., Any]) -> Callable[..., Any]:
        def timed(services: Any, url: str, *args: Any, **kwargs: Any) -> Any:
            started = time.monotonic()
            try:
                return post(services, url, *args, **kwargs)
            finally:
                if url.startswith(self.prefix):
                    with self._lock:
                        self.seconds += time.monotonic() - started
                        self.attempts += 1

        return timed


def _send_b(sender: Sender, customer: str, pool: ThreadPoolExecutor, phase: str) -> None:
    started = time.monotonic()
    for i in range(int(RATE_B * SECONDS_B)):
        time.sleep(max(0.0, started + i / RATE_B - time.monotonic()))
        pool.submit(sender.push, phase, sender.make("card_opened", customer))


def _latencies(sender: Sender, phase: str, arrivals: Arrivals, wait: float) -> list[float]:
    """Send-to-receipt seconds of a phase's events (waiting, bounded, for the last ones)."""
    deadline = time.monotonic() + wait
    sent = [s for s in sender.sent if s.phase == phase]
    while time.monotonic() < deadline and not all(s.event_id and s.event_id in arrivals.first for s in sent):
        time.sleep(0.2)
    return [arrivals.first[s.event_id] - s.sent_at for s in sent if s.event_id and s.event_id in arrivals.first]


def run() -> dict[str, Any]:
    from chalicelib.pipeline import delivery
    from sandbox import DEMO_KEY_A, DEMO_KEY_B, DEMO_LOCATION_A, DEMO_LOCATION_B
    from stack import moto_atomic
    from stack.local import LocalStack, Ports
    from stack.receiver import HookReceiver

    logging.getLogger("connector").setLevel(logging.CRITICAL)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    moto_atomic.install()
    stack = LocalStack(Ports(free_port(), free_port(), free_port()), sandbox_rate_limit=10.0).start()
    a, b = Arrivals(), Arrivals()
    receiver_a, receiver_b = HookReceiver(answer=a.answer).start(), HookReceiver(answer=b.answer).start()
    clock_a = AttemptClock(receiver_a.url)
    original_post = delivery.post
    delivery.post = clock_a.wrap(original_post)  # type: ignore[assignment]
    try:
        assert stack.sandbox is not None
        state = stack.sandbox.state
        customers = {
            loc: state.issue_card(loc, {"email": f"guest@{loc}.example.com", "name": "Guest", "birthday": "1990-01-01"})[1]["customer"][
                "id"
            ]
            for loc in (DEMO_LOCATION_A, DEMO_LOCATION_B)
        }
        senders = {}
        for key, loc, receiver in ((DEMO_KEY_A, DEMO_LOCATION_A, receiver_a), (DEMO_KEY_B, DEMO_LOCATION_B, receiver_b)):
            inbound_url, secret = _connect(stack, key, loc)
            senders[loc] = Sender(stack.sandbox, loc, inbound_url, secret)
            with httpx.Client(base_url=stack.connector_url, headers={"X-API-Key": key}, timeout=30) as client:
                client.post("/v1/hooks", json={"event": "card_opened", "target_url": receiver.url + "/hook"}).raise_for_status()
        sender_a, sender_b = senders[DEMO_LOCATION_A], senders[DEMO_LOCATION_B]
        with ThreadPoolExecutor(max_workers=8) as pool:
            _send_b(sender_b, customers[DEMO_LOCATION_B], pool, "quiet")
        quiet = _latencies(sender_b, "quiet", b, 60)

        a.hanging = True
        started_attempts, started_seconds = clock_a.attempts, clock_a.seconds
        with ThreadPoolExecutor(max_workers=8) as pool:
            for _ in range(BURST_A):
                pool.submit(sender_a.push, "burst", sender_a.make("card_opened", customers[DEMO_LOCATION_A]))
            _send_b(sender_b, customers[DEMO_LOCATION_B], pool, "hanging")
        hanging = _latencies(sender_b, "hanging", b, 60)
        attempts_a = clock_a.attempts - started_attempts
        seconds_a = clock_a.seconds - started_seconds

        a.hanging = False
        answered = time.monotonic()
        burst = {s.event_id for s in sender_a.sent if s.event_id}
        deadline = answered + RECOVERY_LIMIT
        while time.monotonic() < deadline and not burst <= a.first.keys():
            time.sleep(0.5)
        return {
            "quiet_p50": _percentile(quiet, 0.5),
            "quiet_p95": _percentile(quiet, 0.95),
            "hanging_p50": _percentile(hanging, 0.5),
            "hanging_p95": _percentile(hanging, 0.95),
            "b_sent": int(RATE_B * SECONDS_B),
            "b_delivered": (len(quiet), len(hanging)),
            "a_attempts": attempts_a,
            "a_worker_seconds": seconds_a,
            "a_delivered": len(burst & a.first.keys()),
            "a_accepted": len(burst),
            "a_recovery_seconds": time.monotonic() - answered,
        }
    finally:
        delivery.post = original_post  # type: ignore[assignment]
        receiver_a.stop()
        receiver_b.stop()
        stack.stop()


def report(f: dict[str, Any]) -> str:
    def s(v: float | None) -> str:
        return "n/a" if v is None else f"{v:.2f} s"

    goal = None if f["quiet_p95"] is None else 2 * f["quiet_p95"] + 0.5
    met = goal is not None and f["hanging_p95"] is not None and f["hanging_p95"] <= goal
    return "\n".join(
        [
            f"isolation: B sends {RATE_B:g} events/s for {SECONDS_B:g} s; A's subscriber hangs {HANG_SECONDS:g} s per request "
            f"during a burst of {BURST_A}",
            f"  B, A quiet:    p50 {s(f['quiet_p50'])}  p95 {s(f['quiet_p95'])}  ({f['b_delivered'][0]}/{f['b_sent']} delivered)",
            f"  B, A hanging:  p50 {s(f['hanging_p50'])}  p95 {s(f['hanging_p95'])}  ({f['b_delivered'][1]}/{f['b_sent']} delivered)",
            f"  goal: B's p95 with A hanging <= 2 x quiet p95 + 0.5 s = {s(goal)}: {'met' if met else 'MISSED'}",
            f"  attempts to A while it hung: {f['a_attempts']} for {f['a_accepted']} events, "
            f"{f['a_worker_seconds']:.1f} worker seconds held by them",
            f"  A answers again: {f['a_delivered']}/{f['a_accepted']} delivered within {f['a_recovery_seconds']:.1f} s",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(prog="python -m benchmarks.isolation", description=__doc__.splitlines()[0] if __doc__ else None).parse_args(
        argv
    )
    print(report(run()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
