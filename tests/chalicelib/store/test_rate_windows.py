"""Fixed windows shared by every worker: ``limit`` takes per window and bucket, then the wait until the next window."""

from __future__ import annotations

import math
import threading

from unit_support import ManualClock

from chalicelib.container import Services


def test_the_limit_is_taken_then_refused_with_the_wait_until_the_next_window(services: Services, clock: ManualClock) -> None:
    seconds, limit = 60, 3
    clock.at = 1_800_000_000 // seconds * seconds + 10.5  # 10.5 s into a window
    assert [services.rates.take("host.example", limit, seconds) for _ in range(limit)] == [None] * limit
    assert services.rates.take("host.example", limit, seconds) == math.ceil(seconds - 10.5)
    clock.advance(seconds - 10.5)  # the next window begins
    assert services.rates.take("host.example", limit, seconds) is None


def test_the_wait_is_at_least_one_second(services: Services, clock: ManualClock) -> None:
    clock.at = 1_800_000_000 // 60 * 60 + 59.99
    services.rates.take("b", 1, 60)
    assert services.rates.take("b", 1, 60) == 1


def test_buckets_count_apart(services: Services) -> None:
    assert services.rates.take("a.example", 1, 60) is None
    assert services.rates.take("b.example", 1, 60) is None
    assert services.rates.take("a.example", 1, 60) is not None


def test_concurrent_takes_never_overshoot(services: Services) -> None:
    taken: list[int | None] = []
    lock = threading.Lock()

    def take() -> None:
        outcome = services.rates.take("crowded", 4, 3600)
        with lock:
            taken.append(outcome)

    threads = [threading.Thread(target=take) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(taken) == 12 and taken.count(None) == 4
