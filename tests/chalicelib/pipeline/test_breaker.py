"""The breaker's states and the gate's cap, as pure functions of a subscription's fields (no store, no clock)."""

from __future__ import annotations

import random
import threading

from chalicelib.pipeline import breaker
from chalicelib.store.records import Subscription


def sub(
    strikes: int = 0,
    failing_since: float | None = None,
    last_failed_at: float | None = None,
    probe_until: float | None = None,
    hung_at: float | None = None,
) -> Subscription:
    return Subscription(
        "sub_1", "loc_a", "stamp_added", "https://h.example.com", {}, "whsec_x", "2026-01-01T00:00:00Z",
        failing_since=failing_since, strikes=strikes, last_failed_at=last_failed_at, probe_until=probe_until, hung_at=hung_at,
    )  # fmt: skip


def test_one_timeout_opens_it_at_once():
    opened = breaker.state(sub(1, 1000, 1000, hung_at=1000), 1001)
    assert not opened.closed and opened.wait == breaker.FIRST_HOLD - 1


def test_failures_open_it_only_when_they_last():
    """A run of failures within a second is bad luck (closed); the same count spanning OPEN_SPAN is an outage."""
    assert breaker.state(sub(breaker.OPEN_AFTER - 1, 1000, 1000 + breaker.OPEN_SPAN), 1000 + breaker.OPEN_SPAN).closed
    assert breaker.state(sub(breaker.OPEN_AFTER * 10, 1000, 1001), 1001).closed
    lasting = breaker.state(sub(breaker.OPEN_AFTER, 1000, 1000 + breaker.OPEN_SPAN), 1000 + breaker.OPEN_SPAN)
    assert not lasting.closed and lasting.wait == breaker.FIRST_HOLD


def test_a_subscriber_failing_one_attempt_in_five_is_never_held():
    """Its failure runs at a steady rate end within a second or two: replayed against the breaker, none opens it."""
    rng = random.Random(5)
    strikes, failing_since, held = 0, None, 0
    for n in range(5000):  # 10 attempts a second
        now = 1000 + n / 10
        if rng.random() < 0.2:
            strikes, failing_since = strikes + 1, failing_since or now
            held += not breaker.state(sub(strikes, failing_since, now), now).closed
        else:
            strikes, failing_since = 0, None
    assert held == 0


def test_the_hold_grows_with_the_outage_not_with_failures_at_once():
    assert breaker.hold_seconds(0) == breaker.FIRST_HOLD
    assert breaker.hold_seconds(600) == 300
    assert breaker.hold_seconds(5 * 86400) == breaker.MAX_HOLD <= 900  # a held job is one delayed SQS message


def test_after_the_hold_one_probe_runs_and_the_others_wait_for_its_end():
    held = sub(1, 1000, 1000, hung_at=1000)
    assert breaker.state(held, 1000 + breaker.FIRST_HOLD + 1).probing
    running = sub(1, 1000, 1000, probe_until=1000 + breaker.FIRST_HOLD + 20, hung_at=1000)
    waiting = breaker.state(running, 1000 + breaker.FIRST_HOLD + 1)
    assert not waiting.probing and waiting.wait == 19


def test_the_gate_caps_attempts_to_one_subscription_and_frees_places():
    gate = breaker.Gate(per_subscription=2)
    first, second = gate.enter("a", wait=0), gate.enter("a", wait=0)
    assert first is not None and second is not None
    assert gate.enter("a", wait=0) is None
    other = gate.enter("b", wait=0)
    assert other is not None  # another subscription is not held by a's cap
    freed = threading.Timer(0.05, gate.leave, args=("a", first))
    freed.start()
    assert gate.enter("a", wait=5) is not None  # a place that comes free is taken (bounded wait)
    freed.join()


def test_fast_answers_grow_the_cap_and_a_slow_one_resets_it():
    gate = breaker.Gate(per_subscription=1)
    for _ in range(3):
        token = gate.enter("a", wait=0)
        assert token is not None
        gate.leave("a", token, seconds=0.05)
    tokens = [gate.enter("a", wait=0) for _ in range(4)]
    assert all(t is not None for t in tokens[:4])  # the cap grew from 1 to 4
    assert gate.enter("a", wait=0) is None
    for t in tokens[1:]:
        gate.leave("a", t)  # no attempt made (a claim that found the delivery done)
    gate.leave("a", tokens[0], seconds=breaker.FAST_SECONDS + 1)
    again = gate.enter("a", wait=0)
    assert again is not None and gate.enter("a", wait=0) is None  # back to the start's cap


def test_the_gate_remembers_its_own_later_failure_over_an_older_copy():
    gate = breaker.Gate()
    gate.failed(sub(1, 1000, 1000, hung_at=1000))
    later = gate.latest(sub())
    assert later.strikes == 1 and not breaker.state(later, 1001).closed
    gate.delivered("sub_1")
    assert gate.latest(sub()).strikes == 0
