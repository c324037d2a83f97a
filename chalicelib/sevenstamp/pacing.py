"""When the connector may call 7stamp with a location's stored key: seconds of the shared book, handed out in order.

Enrichment reserves one call at a time (``reserve``) in the earliest second with room of the
book all workers share (``store/pace``), however far ahead that second is: reservations are
served first come, first served, so a crowd of first-seen customers is looked up in the
order it was asked for. The threads of one worker that ask while a write is under way
queue up, and the next write books for all of them at once, in the order they asked; so a
crowd costs a write or two, not one per customer, and no thread waits behind a line of
writes. Workers race only with each other, and the book's conditional write settles that.
A reserved call starts in its second (``wait_for``) or not at all: pacing errs on the side
of fewer calls, never more.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from chalicelib.clock import Clock
from chalicelib.store.pace import Booking, PaceBook

PER_SECOND = 5  # half of 7stamp's 10 requests per second per key: the other half stays free for the merchant's own systems
LEAD = 0.3  # a reserved call's second is at least this far off when it is reserved: time to take the lookup before it starts
MAX_AT_ONCE = 200  # askers one write books for at most (a run of 40 s at 5 a second)


@dataclass
class _Line:
    """The askers of one key in this worker, waiting for the next write, and the seconds the last writes gave them."""

    asking: list[tuple[object, float]] = field(default_factory=list)  # (ticket, latest), in the order they asked
    given: dict[object, int | None] = field(default_factory=dict)
    writing: bool = False


class Pacer:
    """Reserves calls to 7stamp for a key, so that all workers together stay within the book's rate."""

    def __init__(self, book: PaceBook, clock: Clock) -> None:
        self._book = book
        self._clock = clock
        self._lines: dict[str, _Line] = {}
        self._cond = threading.Condition()

    def reserve(self, bucket: str, latest: float) -> Booking | None:
        """One call in the earliest second with room that begins by ``latest``; None when none does."""
        if self._book.full_until(bucket, latest):
            return None  # a backlog this worker knows of: asking the book again would only cost a write
        ticket = object()
        with self._cond:
            line = self._lines.setdefault(bucket, _Line())
            line.asking.append((ticket, latest))
            while ticket not in line.given and line.writing:
                self._cond.wait()
            if ticket not in line.given:
                line.writing = True
                batch, line.asking = line.asking[:MAX_AT_ONCE], line.asking[MAX_AT_ONCE:]
        if ticket not in line.given:
            self._write(bucket, line, batch)
        with self._cond:
            second = line.given.pop(ticket)
        return Booking(second) if second is not None else None

    def _write(self, bucket: str, line: _Line, batch: list[tuple[object, float]]) -> None:
        """Book the batch's calls in one write (this thread's among them) and hand each asker its second."""
        seconds: list[int | None] = [None] * len(batch)
        try:
            seconds = self._book.book(bucket, [latest for _, latest in batch], LEAD)
        finally:
            with self._cond:
                line.given.update((ticket, second) for (ticket, _), second in zip(batch, seconds, strict=True))
                line.writing = False
                self._cond.notify_all()

    def wait_for(self, booking: Booking) -> bool:
        """Sleep until the booking's second begins; False when it has passed already (then the call must not be made)."""
        now = self._clock.now()
        if now > booking.ends:
            return False
        if booking.window > now:
            time.sleep(booking.window - now)
        return True
