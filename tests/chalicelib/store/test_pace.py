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
    assert book(services, clock).book("key", [START + 10] * 2) == [int(START)] * 2


def test_a_call_late_in_a_second_is_booked_in_the_next(services: Services, clock: ManualClock) -> None:
    clock.at = START + 1 - MARGIN + 0.01
    assert book(services, clock).book("key", [START + 10]) == [int(START) + 1]


def test_a_booking_ends_before_its_seconds_margin() -> None:
    assert Booking(100).ends == 101 - MARGIN


def test_a_full_second_sends_the_rest_to_the_next(services: Services, clock: ManualClock) -> None:
    pace = book(services, clock)
    first = pace.book("key", [START + 10] * (PER_SECOND + 3))
    assert first == [int(START)] * PER_SECOND + [int(START) + 1] * 3  # never more than a second holds: the run goes on
    assert pace.book("key", [START + 10] * 3) == [int(START) + 1] * 2 + [int(START) + 2]


def test_nothing_is_booked_past_latest(services: Services, clock: ManualClock) -> None:
    pace = book(services, clock)
    pace.book("key", [START + 10] * PER_SECOND)
    assert pace.book("key", [START + 0.5, START + 10]) == [None, int(START) + 1]  # the second asker's latest allows the next


def test_workers_sharing_the_book_never_overfill_a_second(services: Services, clock: ManualClock) -> None:
    one, two = book(services, clock), book(services, clock)
    assert one.book("key", [START + 10] * 3) == [int(START)] * 3
    second = two.book("key", [START + 10] * 3)  # two has not seen one's write: its failed condition tells it
    assert second == [int(START)] * (PER_SECOND - 3) + [int(START) + 1]
    assert one.book("key", [START + 10]) == [int(START) + 1]


def test_each_key_has_its_own_seconds(services: Services, clock: ManualClock) -> None:
    pace = book(services, clock)
    pace.book("key-a", [START + 10] * PER_SECOND)
    assert pace.book("key-b", [START + 10] * PER_SECOND) == [int(START)] * PER_SECOND


def test_concurrent_workers_book_at_most_per_second_in_any_second(services: Services, clock: ManualClock) -> None:
    booked: list[int | None] = []
    lock = threading.Lock()

    def worker() -> None:
        pace = book(services, clock)
        for _ in range(4):
            got = pace.book("busy", [START + 60] * 2)
            with lock:
                booked.extend(got)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    per_window: Counter[int] = Counter()
    for second in booked:
        if second is not None:
            per_window[second] += 1
    assert per_window and max(per_window.values()) <= PER_SECOND
    assert sum(per_window.values()) >= PER_SECOND  # the book is used, not just refused
