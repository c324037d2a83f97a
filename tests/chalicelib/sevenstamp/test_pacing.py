"""The in-process tier of pacing: threads of one worker never start more than the book allows in a second.

Over the real book (moto) on a manual clock: every grant here starts in the clock's current
second, so no test sleeps; a grant in a later second would show as a refusal by ``latest``.
"""

from __future__ import annotations

import threading

from unit_support import ManualClock

from chalicelib.container import Services
from chalicelib.sevenstamp.pacing import Pacer
from chalicelib.store import Dynamo
from chalicelib.store.pace import PaceBook

PER_SECOND = 4


def pacer(services: Services, clock: ManualClock) -> Pacer:
    """One worker's pacer over the shared book."""
    return Pacer(PaceBook(Dynamo(services.aws), clock, services.settings.keys_table, PER_SECOND), PER_SECOND, clock)


def test_one_thread_gets_a_seconds_calls_and_then_none_within_it(services: Services, clock: ManualClock) -> None:
    pace = pacer(services, clock)
    this_second = clock.now() + 0.5
    assert [pace.acquire("key", this_second) for _ in range(PER_SECOND)] == [True] * PER_SECOND
    assert pace.acquire("key", this_second) is False
    assert pace.acquire("other-key", this_second) is True  # each key has its own rate


def test_nothing_is_granted_for_a_moment_already_past(services: Services, clock: ManualClock) -> None:
    assert pacer(services, clock).acquire("key", clock.now() - 1) is False


def test_two_workers_share_one_seconds_calls(services: Services, clock: ManualClock) -> None:
    one, two = pacer(services, clock), pacer(services, clock)
    this_second = clock.now() + 0.5
    granted = [p.acquire("key", this_second) for p in (one, two, one, two, one, two)]
    assert granted.count(True) == PER_SECOND


def test_many_threads_at_once_get_at_most_a_seconds_calls(services: Services, clock: ManualClock) -> None:
    pace = pacer(services, clock)
    granted: list[bool] = []
    lock = threading.Lock()

    def call() -> None:
        got = pace.acquire("busy", clock.now() + 0.3)
        with lock:
            granted.append(got)

    threads = [threading.Thread(target=call) for _ in range(PER_SECOND * 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(granted) == PER_SECOND * 3
    assert 1 <= granted.count(True) <= PER_SECOND


def test_the_next_second_grants_a_seconds_calls_again(services: Services, clock: ManualClock) -> None:
    pace = pacer(services, clock)
    start = clock.now()
    assert [pace.acquire("key", start + 0.5) for _ in range(PER_SECOND)] == [True] * PER_SECOND
    clock.at = int(start) + 1.1
    assert [pace.acquire("key", clock.now() + 0.4) for _ in range(PER_SECOND)] == [True] * PER_SECOND
    assert pace.acquire("key", clock.now() + 0.4) is False
