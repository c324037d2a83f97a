"""Isolation between subscriptions: a failing or hanging endpoint holds its own deliveries, never anyone else's.

Two bounds, both per subscription:

- **The breaker**, kept on the subscription's item (``strikes``, ``failing_since``,
  ``last_failed_at``, ``hung_at``, ``probe_until``; store/subscriptions.py). It opens on
  an outage, not on bad luck: a timed-out attempt opens it at once (it is the expensive
  kind), and so do OPEN_AFTER failed attempts with none delivered in between, once they
  span OPEN_SPAN seconds. An endpoint that fails one attempt in five fails three in a row
  every hundred-odd attempts; at any steady rate those runs end within a second or two,
  and holding its deliveries for FIRST_HOLD each time would cost far more than the
  retries do. While it is open, the subscription's deliveries are not attempted: their jobs go back
  to the queue, due when the hold ends, and spend no attempt. When the hold is over, one
  attempt at a time across all workers (the one that takes ``probe_until`` with a
  conditional write) probes the endpoint: a success closes the breaker and the held
  jobs go out as they come back; a failure opens it again, for half as long as the
  endpoint has been failing (FIRST_HOLD at least, MAX_HOLD at most). Failures keep
  ``failing_since``, so five days of failed probes disable the subscription as five
  days of failed attempts do. A process also remembers the state its own failures
  wrote, fresher than what a job carries from fan-out.
- **The gate**, in this process: a cap on attempts to one subscription at once, starting at
  PER_SUBSCRIPTION and growing by one with every attempt answered within FAST_SECONDS (up
  to MAX_PER_SUBSCRIPTION), back to PER_SUBSCRIPTION after a slow one. A delivery that
  finds its subscription at the cap waits up to GATE_WAIT (a healthy endpoint frees a
  place in well under that), then goes back to the queue for one delivery timeout, by when
  the attempts ahead of it have ended. So before the breaker knows an endpoint hangs, it
  can hold at most PER_SUBSCRIPTION of a worker's threads, and the rest of each batch
  (other subscriptions) is POSTed at once; a fast endpoint soon gets as many as it can take.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, replace

from chalicelib.store.records import Subscription

OPEN_AFTER = 3  # failed attempts in a row that open the breaker once they span OPEN_SPAN (one timed-out attempt is enough)
OPEN_SPAN = 10.0  # seconds of failures with nothing delivered that make them an outage, not a run of bad luck
FIRST_HOLD = 30.0  # seconds the breaker stays open the first time; longer as the outage goes on
MAX_HOLD = 600.0  # the longest hold, within SQS's longest message delay (900 s), so a held job is one delayed message
HOLD_JITTER = 0.2  # held jobs come back spread over the hold's last fifth and after it, not all at once
PER_SUBSCRIPTION = 4  # attempts to one subscription at once in one process (a Lambda invocation, or the local worker), at first
MAX_PER_SUBSCRIPTION = 64  # the cap a fast endpoint grows to
FAST_SECONDS = 2.0  # an attempt answered within this grows its subscription's cap; a slower one resets it
GATE_WAIT = 1.0  # seconds a delivery waits for a place at its subscription's cap before going back to the queue


def hold_seconds(failing_for: float) -> float:
    """How long the breaker stays open after a failure, for an endpoint failing for ``failing_for`` seconds.

    Half the time it has been failing, between FIRST_HOLD and MAX_HOLD: the hold grows
    with the outage, not with how many attempts happened to fail at once.
    """
    return min(MAX_HOLD, max(FIRST_HOLD, failing_for / 2))


@dataclass(frozen=True)
class State:
    """Where a subscription's breaker stands at ``now``: closed, open for ``wait`` more seconds, or ready for a probe."""

    closed: bool
    wait: float = 0.0

    @property
    def probing(self) -> bool:
        return not self.closed and self.wait <= 0


def is_open(sub: Subscription) -> bool:
    """Whether the subscription's failures since its last delivered attempt are an outage: a hang, or lasting ones."""
    if sub.last_failed_at is None:
        return False
    lasting = sub.last_failed_at - (sub.failing_since or sub.last_failed_at) >= OPEN_SPAN
    return sub.hung_at is not None or (sub.strikes >= OPEN_AFTER and lasting)


def state(sub: Subscription, now: float) -> State:
    if not is_open(sub) or sub.last_failed_at is None:
        return State(closed=True)
    wait = sub.last_failed_at + hold_seconds(sub.last_failed_at - (sub.failing_since or sub.last_failed_at)) - now
    if wait <= 0 and sub.probe_until is not None and sub.probe_until > now:
        wait = sub.probe_until - now  # another worker's probe is running: wait for its end
    return State(closed=False, wait=max(0.0, wait))


def spread(seconds: float) -> float:
    """A held job's delay: ``seconds``, give or take HOLD_JITTER of it (at least one second)."""
    return max(1.0, seconds * random.uniform(1 - HOLD_JITTER, 1 + HOLD_JITTER))


class Gate:
    """A cap on attempts to one subscription at once in this process (one per Services): see the module's docstring.

    It also keeps the breaker state this process's last failure of each subscription
    wrote, so that a job carrying an older copy (fan-out's) is held all the same.
    """

    def __init__(self, per_subscription: int = PER_SUBSCRIPTION) -> None:
        self._start = per_subscription
        self._limits: dict[str, int] = {}  # subscriptions whose cap grew (fast answers); the others have the start's
        self._running: dict[str, list[float]] = {}  # start times (monotonic) of the attempts running, by subscription
        self._freed = threading.Condition()
        self._failed: dict[str, Subscription] = {}

    def latest(self, sub: Subscription) -> Subscription:
        """``sub``, or this process's later copy of it (written by a failure after ``sub`` was read)."""
        known = self._failed.get(sub.id)
        if known is None or (sub.last_failed_at or 0) >= (known.last_failed_at or 0):
            return sub
        return replace(
            sub,
            strikes=known.strikes,
            last_failed_at=known.last_failed_at,
            failing_since=known.failing_since,
            hung_at=known.hung_at,
            probe_until=None,
        )

    def failed(self, sub: Subscription) -> None:
        """Remember the state a failure wrote (the store's answer)."""
        with self._freed:
            self._failed[sub.id] = sub

    def delivered(self, sub_id: str) -> None:
        with self._freed:
            self._failed.pop(sub_id, None)

    def _cap(self, sub_id: str, now: float) -> int:
        """The subscription's cap now: the start's while one of its attempts has run past FAST_SECONDS."""
        if any(now - started > FAST_SECONDS for started in self._running.get(sub_id, ())):
            return self._start
        return self._limits.get(sub_id, self._start)

    def enter(self, sub_id: str, wait: float = GATE_WAIT) -> float | None:
        """Take a place for one attempt, waiting at most ``wait`` seconds; its token for ``leave``, None when none came free."""
        with self._freed:
            if not self._freed.wait_for(lambda: len(self._running.get(sub_id, ())) < self._cap(sub_id, time.monotonic()), timeout=wait):
                return None
            token = time.monotonic()
            self._running.setdefault(sub_id, []).append(token)
            return token

    def leave(self, sub_id: str, token: float, seconds: float | None = None) -> None:
        """Give the place back; ``seconds``, the attempt's time when one was made, grows or resets the cap."""
        with self._freed:
            running = self._running.get(sub_id, [])
            if token in running:
                running.remove(token)
            if not running:
                self._running.pop(sub_id, None)
            if seconds is not None and seconds <= FAST_SECONDS:
                self._limits[sub_id] = min(MAX_PER_SUBSCRIPTION, self._limits.get(sub_id, self._start) + 1)
            elif seconds is not None:
                self._limits.pop(sub_id, None)
            self._freed.notify_all()
