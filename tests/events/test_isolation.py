"""Nobody waits for a neighbour: a hanging subscriber of location A beside a healthy one of location B (counts only).

The small version of ``python -m benchmarks.isolation``: A's subscriber hangs past the
delivery timeout during a burst; every event of B is delivered, A's endpoint gets a
bounded number of attempts instead of one per event, and once it answers again every
event of A is delivered. The breaker's hold is shortened so that the held jobs come
back within the test (SQS's delay is real time); every wait is a bounded poll.
"""

from __future__ import annotations

import time

from event_support import receiving, subscribe

from chalicelib.pipeline import breaker
from sandbox import DEMO_KEY_A, DEMO_KEY_B, DEMO_LOCATION_A, DEMO_LOCATION_B

EVENTS_A = 30
EVENTS_B = 10
ATTEMPT_BOUND = 3 * breaker.PER_SUBSCRIPTION  # the gate's first wave and the probes that follow it (old code: one per event)


def test_a_hanging_subscriber_holds_only_its_own_deliveries_and_gets_them_all_once_it_answers(stack, monkeypatch):
    monkeypatch.setenv("DELIVERY_TIMEOUT_SECONDS", "1")  # 15 by default; 1 keeps the test short
    monkeypatch.setattr(breaker, "FIRST_HOLD", 2.0)
    stack.rebuild()
    with (
        receiving(hang=30, hangs=10**6) as hanging,
        receiving() as healthy,
        stack.client(DEMO_KEY_A) as a,
        stack.client(DEMO_KEY_B) as b,
    ):
        subscribe(a, "card_opened", hanging.url)
        subscribe(b, "card_opened", healthy.url)
        for i in range(max(EVENTS_A, EVENTS_B)):
            if i < EVENTS_A:
                stack.emit(DEMO_LOCATION_A, "card_opened")
            if i < EVENTS_B:
                stack.emit(DEMO_LOCATION_B, "card_opened")
        stack.settle(timeout=30)

        assert len({r.headers["webhook-id"] for r in healthy.received}) == EVENTS_B
        attempts_while_hanging = len(hanging.received)
        assert 1 <= attempts_while_hanging <= ATTEMPT_BOUND

        hanging.script.hangs = 0  # the endpoint answers again
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and len({r.headers["webhook-id"] for r in hanging.received}) < EVENTS_A:
            stack.settle(timeout=5)
            time.sleep(0.5)
        assert len({r.headers["webhook-id"] for r in hanging.received}) == EVENTS_A
