"""The in-process tier of the pacing of 7stamp calls: threads of one worker share what it booked.

A thread that needs a call asks here. When this worker holds no booked call it can use,
one thread books for itself and for every thread then waiting (at most a second's worth),
with one write to the shared book; the others wait for that write instead of making
their own. A booked call nobody used in time is dropped: pacing errs on the side of
fewer calls, never more.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field

from chalicelib.clock import Clock
from chalicelib.store.pace import Booking, PaceBook

PER_SECOND = 5  # half of 7stamp's 10 requests per second per key: the other half stays free for the merchant's own systems


@dataclass
class _Bucket:
    held: deque[Booking] = field(default_factory=deque)  # one entry per call, earliest second first
    booking: bool = False
    waiting: int = 0


class Pacer:
    """Decides when a thread may start a 7stamp call for a key, so all workers together stay within the book's rate."""

    def __init__(self, book: PaceBook, per_second: int, clock: Clock) -> None:
        self._book = book
        self._clock = clock
        self._per_second = per_second
        self._cond = threading.Condition()
        self._buckets: dict[str, _Bucket] = {}

    def acquire(self, bucket: str, latest: float) -> bool:
        """Wait until this thread may start one call (True), or False when none can start by ``latest`` (wall clock)."""
        while True:
            with self._cond:
                state = self._buckets.setdefault(bucket, _Bucket())
                grant = self._take_held(state, latest)
                if grant is not None:
                    break
                if state.held:
                    return False  # what is held starts too late for this caller; booking more would start later still
                if state.booking:
                    remaining = latest - self._clock.now()
                    if remaining <= 0:
                        return False
                    state.waiting += 1
                    self._cond.wait(remaining)
                    state.waiting -= 1
                    continue
                state.booking = True
                wanted = min(self._per_second, state.waiting + 1)
            booking = None
            try:
                booking = self._book.book(bucket, wanted, latest)
            finally:
                with self._cond:
                    state.booking = False
                    if booking is not None:
                        state.held.extend(Booking(booking.window, 1) for _ in range(booking.count))
                    self._cond.notify_all()
            if booking is None:
                return False
        delay = grant.window - self._clock.now()
        if delay > 0:
            time.sleep(delay)
        return True

    def _take_held(self, state: _Bucket, latest: float) -> Booking | None:
        """The earliest held call still usable that starts by ``latest``; stale ones are dropped."""
        now = self._clock.now()
        while state.held and state.held[0].ends <= now:
            state.held.popleft()
        if state.held and state.held[0].window <= latest:
            return state.held.popleft()
        return None
