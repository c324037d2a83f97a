"""Reserving 7stamp calls (sevenstamp/pacing.py): never more than the book's rate in a second, across threads and workers, in order.

Over the real book (moto) on a manual clock; ``wait_for`` is only asked about seconds that have
begun or ended, so no test sleeps.
"""

from __future__ import annotations

import threading
from collections import Counter

from unit_support import START, ManualClock

from chalicelib.container import Services
from chalicelib.sevenstamp.pacing import LEAD, PER_SECOND, Pacer
from chalicelib.store import Dynamo
from chalicelib.store.pace import Booking, PaceBook


def pacer(services: Services, clock: ManualClock) -> Pacer:
    """One worker's pacer over the shared book."""
    return Pacer(PaceBook(Dynamo(services.aws), clock, services.settings.keys_table, PER_SECOND), clock)


def test_reservations_fill_a_second_then_the_next_in_order(services: Services, clock: ManualClock) -> None:
    pace = pacer(services, clock)
    got = [pace.reserve("key", START + 10) for _ in range(PER_SECOND * 2 + 1)]
    windows = [b.window for b in got if b is not None]
    assert len(windows) == len(got) and windows == sorted(windows)  # first come, first served
    assert max(Counter(windows).values()) == PER_SECOND and len(set(windows)) == 3


def test_a_reserved_second_leaves_time_to_start_the_call(services: Services, clock: ManualClock) -> None:
    clock.at = START + 0.5
    booking = pacer(services, clock).reserve("key", START + 10)
    assert booking is not None and booking.ends >= clock.now() + LEAD


def test_nothing_is_reserved_past_latest(services: Services, clock: ManualClock) -> None:
    pace = pacer(services, clock)
    assert pace.reserve("key", clock.now() - 1) is None
    for _ in range(PER_SECOND):
        pace.reserve("key", START + 0.5)
    assert pace.reserve("key", START + 0.5) is None


def test_each_key_has_its_own_seconds(services: Services, clock: ManualClock) -> None:
    pace = pacer(services, clock)
    first = [pace.reserve("key-a", START + 10) for _ in range(PER_SECOND)]
    other = pace.reserve("key-b", START + 10)
    assert other is not None and first[0] is not None and other.window == first[0].window


def test_workers_and_threads_together_never_overfill_a_second(services: Services, clock: ManualClock) -> None:
    got: list[Booking | None] = []
    lock = threading.Lock()

    def worker() -> None:
        pace = pacer(services, clock)  # each thread a worker of its own: they race only through the book's writes
        for _ in range(4):
            booking = pace.reserve("busy", START + 60)
            with lock:
                got.append(booking)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    per_second = Counter(b.window for b in got if b is not None)
    assert per_second and max(per_second.values()) <= PER_SECOND
    assert sum(per_second.values()) >= PER_SECOND


def test_a_call_starts_in_its_second_or_not_at_all(services: Services, clock: ManualClock) -> None:
    pace = pacer(services, clock)
    booking = Booking(int(clock.now()))
    assert pace.wait_for(booking)  # its second has begun: no wait
    clock.at = booking.ends + 0.01
    assert not pace.wait_for(booking)  # too late: the call must not be made


def test_threads_asking_during_a_write_are_booked_together_by_the_next_one(services: Services, clock: ManualClock) -> None:
    """A crowd in one worker costs two writes, not forty, and each asker still gets a second of its own within the rate."""
    book = PaceBook(Dynamo(services.aws), clock, services.settings.keys_table, PER_SECOND)
    writes: list[int] = []
    first_may_go = threading.Event()
    real = book.book

    def counted(bucket: str, latests: list[float], lead: float = 0.0) -> list[int | None]:
        writes.append(len(latests))
        first_may_go.wait(20)  # the first write is under way while the others ask
        return real(bucket, latests, lead)

    book.book = counted  # type: ignore[method-assign]
    pace = Pacer(book, clock)
    got: list[Booking | None] = []
    lock = threading.Lock()

    def ask() -> None:
        booking = pace.reserve("crowd", START + 60)
        with lock:
            got.append(booking)

    threads = [threading.Thread(target=ask) for _ in range(40)]
    for t in threads:
        t.start()
    for _ in range(2000):  # bounded: until the other 39 are in line behind the first write
        line = pace._lines.get("crowd")
        if line is not None and len(line.asking) == 39:
            break
        threading.Event().wait(0.01)
    first_may_go.set()
    for t in threads:
        t.join(20)
    seconds = [b.window for b in got if b is not None]
    assert len(seconds) == 40 and max(Counter(seconds).values()) <= PER_SECOND
    assert writes == [1, 39]  # the 39 who asked during the first write shared the next
