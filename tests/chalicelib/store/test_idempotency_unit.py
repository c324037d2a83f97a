"""Idempotency records (store/idempotency.py): one call per key runs, a finished one answers again, a failed one frees it.

Named ``_unit`` because tests/api/test_idempotency.py (the HTTP scenarios) holds the plain name.
"""

from __future__ import annotations

import threading

from unit_support import ManualClock

from chalicelib.container import Services
from chalicelib.store.idempotency import IN_PROGRESS_SECONDS, IdempotencyRecord, IdempotencyStatus


def test_the_first_call_proceeds_and_a_second_sees_it_in_progress(services: Services) -> None:
    assert services.idempotency.begin("loc_a", "key-1", "fp") is None
    assert services.idempotency.begin("loc_a", "key-1", "fp") == IdempotencyRecord(IdempotencyStatus.IN_PROGRESS, "fp")


def test_a_completed_call_hands_back_its_response_and_fingerprint(services: Services) -> None:
    response = {"stamps": 3, "name": "Zoë", "nested": [1, {"a": None}]}
    services.idempotency.begin("loc_a", "key-1", "fp-original")
    services.idempotency.complete("loc_a", "key-1", response)
    again = services.idempotency.begin("loc_a", "key-1", "fp-different")  # the caller compares the fingerprint
    assert again == IdempotencyRecord(IdempotencyStatus.COMPLETED, "fp-original", response)


def test_an_aborted_call_frees_its_key(services: Services) -> None:
    services.idempotency.begin("loc_a", "key-1", "fp")
    services.idempotency.abort("loc_a", "key-1")
    assert services.idempotency.begin("loc_a", "key-1", "fp") is None


def test_keys_are_per_tenant(services: Services) -> None:
    services.idempotency.begin("loc_a", "key-1", "fp-a")
    services.idempotency.complete("loc_a", "key-1", {"who": "a"})
    assert services.idempotency.begin("loc_b", "key-1", "fp-b") is None
    services.idempotency.abort("loc_b", "key-1")
    assert services.idempotency.begin("loc_a", "key-1", "fp-a") == IdempotencyRecord(IdempotencyStatus.COMPLETED, "fp-a", {"who": "a"})


def test_a_call_that_died_in_progress_is_taken_over_after_its_bound(services: Services, clock: ManualClock) -> None:
    services.idempotency.begin("loc_a", "key-1", "fp")
    clock.advance(IN_PROGRESS_SECONDS - 1)
    assert services.idempotency.begin("loc_a", "key-1", "fp") is not None
    clock.advance(2)
    assert services.idempotency.begin("loc_a", "key-1", "fp") is None


def test_a_completed_record_lasts_its_hours_and_then_the_key_is_new(services: Services, clock: ManualClock) -> None:
    hours = services.settings.idempotency_hours
    services.idempotency.begin("loc_a", "key-1", "fp")
    services.idempotency.complete("loc_a", "key-1", {"ok": True})
    clock.advance(hours * 3600 - 1)
    assert services.idempotency.begin("loc_a", "key-1", "fp") is not None
    clock.advance(2)
    assert services.idempotency.begin("loc_a", "key-1", "fp") is None  # TTL deletion is lazy: expired counts as absent


def test_of_many_concurrent_calls_with_one_key_exactly_one_proceeds(services: Services) -> None:
    results: list[IdempotencyRecord | None] = []
    lock = threading.Lock()

    def call() -> None:
        outcome = services.idempotency.begin("loc_a", "same-key", "fp")
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(results) == 8
    assert results.count(None) == 1
