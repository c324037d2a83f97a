"""When the connector may call 7stamp with a location's stored key: seconds of the shared book, handed out in order.

Enrichment reserves one call at a time (``reserve``) in the earliest second with room of the
book all workers share (``store/pace``), however far ahead that second is: so reservations
are served first come, first served, and a crowd of first-seen customers is looked up in
the order it was asked for. Threads of one worker reserve one after another (one write
each, no two racing for the same second); workers race only with each other, and the book's
conditional write settles that. A reserved call starts at its second (``wait_for``) or not
at all: pacing errs on the side of fewer calls, never more.
"""

from __future__ import annotations

import threading
import time

from chalicelib.clock import Clock
from chalicelib.store.pace import Booking, PaceBook

PER_SECOND = 5  # half of 7stamp's 10 requests per second per key: the other half stays free for the merchant's own systems
LEAD = 0.3  # a reserved call's second is at least this far off when it is reserved: time to take the lookup before it starts


class Pacer:
    """Reserves calls to 7stamp for a key, so that all workers together stay within the book's rate."""

    def __init__(self, book: PaceBook, clock: Clock) -> None:
        self._book = book
        self._clock = clock
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def reserve(self, bucket: str, latest: float) -> Booking | None:
        """One call in the earliest second with room that begins by ``latest``; None when none does."""
        with self._guard:
            lock = self._locks.setdefault(bucket, threading.Lock())
        with lock:
            return self._book.book(bucket, 1, latest, LEAD)

    def wait_for(self, booking: Booking) -> bool:
        """Sleep until the booking's second begins; False when it has passed already (then the call must not be made)."""
        now = self._clock.now()
        if now > booking.ends:
            return False
        if booking.window > now:
            time.sleep(booking.window - now)
        return True
