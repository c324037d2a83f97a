"""The shared book of 7stamp calls: never more than ``per_second`` calls start in one second, whichever worker books."""

from __future__ import annotations

import threading
from collections import Counter

from unit_support import START, ManualClock

from chalicelib.container import Services
from chalicelib.store import Dynamo
from chalicelib.store.pace import MARGIN, Booking, PaceBook

PER_SECOND = 5


def book(services: Services, clock: ManualClock) -> PaceBook:
    """One worker's book over the shared table."""
    return PaceBook(Dynamo(services.aws), clock, services.settings.keys_table, PER_SECOND)


def test_a_call_early_in_a_second_is_booked_in_it(services: Services, clock: ManualClock) -> None:
    clock.at = START + 0.1
    assert book(services, clock).book("key", 2, latest=START + 10) == Booking(int(START), 2)


def test_a_call_late_in_a_second_is_booked_in_the_next(services: Services, clock: ManualClock) -> None:
    clock.at = START + 1 - MARGIN + 0.01
    assert book(services, clock).book("key", 1, latest=START + 10) == Booking(int(START) + 1, 1)


def test_a_booking_ends_before_its_seconds_margin() -> None:
    assert Booking(100, 1).ends == 101 - MARGIN


def test_a_full_second_sends_the_rest_to_the_next(services: Services, clock: ManualClock) -> None:
    pace = book(services, clock)
    first = pace.book("key", PER_SECOND + 3, latest=START + 10)
    assert first == Booking(int(START), PER_SECOND)  # never more than a second holds
    assert pace.book("key", 3, latest=START + 10) == Booking(int(START) + 1, 3)


def test_nothing_is_booked_past_latest(services: Services, clock: ManualClock) -> None:
    pace = book(services, clock)
    pace.book("key", PER_SECOND, latest=START + 10)
    assert pace.book("key", 1, latest=START + 0.5) is None


def test_workers_sharing_the_book_never_overfill_a_second(services: Services, clock: ManualClock) -> None:
    one, two = book(services, clock), book(services, clock)
    assert one.book("key", 3, latest=START + 10) == Booking(int(START), 3)
    second = two.book("key", 3, latest=START + 10)  # two has not seen one's write: its failed condition tells it
    assert second == Booking(int(START), PER_SECOND - 3)
    assert one.book("key", 1, latest=START + 10) == Booking(int(START) + 1, 1)


def test_each_key_has_its_own_seconds(services: Services, clock: ManualClock) -> None:
    pace = book(services, clock)
    pace.book("key-a", PER_SECOND, latest=START + 10)
    assert pace.book("key-b", PER_SECOND, latest=START + 10) == Booking(int(START), PER_SECOND)


def test_concurrent_workers_book_at_most_per_second_in_any_second(services: Services, clock: ManualClock) -> None:
    booked: list[Booking | None] = []
    lock = threading.Lock()

    def worker() -> None:
        pace = book(services, clock)
        for _ in range(4):
            got = pace.book("busy", 2, latest=START + 60)
            with lock:
                booked.append(got)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    per_window: Counter[int] = Counter()
    for b in booked:
        if b is not None:
            per_window[b.window] += b.count
    assert per_window and max(per_window.values()) <= PER_SECOND
    assert sum(per_window.values()) >= PER_SECOND  # the book is used, not just refused
