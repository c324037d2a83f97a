"""Delivery records as the workers, the sweeper and the console's actions use them: leases, one attempt at a time, due lists."""

from __future__ import annotations

import threading

import pytest
from unit_support import ManualClock

from chalicelib.aws import SQS_MAX_DELAY
from chalicelib.container import Services
from chalicelib.store.deliveries import LOG_SIZE, SAFETY_MARGIN, due_shard, sweep_at_for_retry
from chalicelib.store.events import event_id_for
from chalicelib.store.records import Attempt, DeliveryRecord, DeliveryStatus

LEASE = 60.0


def delivery(n: int = 1, sub: str = "hook_0001", location_id: str = "loc_a", event: str = "stamp_added") -> DeliveryRecord:
    event_id, cursor = event_id_for(1_800_000_000_000 + n, f"d{n}")
    return DeliveryRecord(sub, location_id, f"wh_{n}", cursor, event_id, event, DeliveryStatus.PENDING, 0, 0.0)


def attempt(clock: ManualClock, code: int | None = 500) -> Attempt:
    return Attempt(at=clock.now(), status_code=code, error=None if code else "timed out", latency_ms=12.5, answer="no")


def finish(services: Services, claimed: DeliveryRecord, status: DeliveryStatus, next_at: float | None = None, code: int = 500) -> None:
    services.deliveries.finish_many([(claimed, attempt(services.clock, code), status, next_at)])  # type: ignore[arg-type]


def test_the_first_claim_creates_the_record_with_one_attempt_and_a_lease(services: Services, clock: ManualClock) -> None:
    claimed = services.deliveries.claim(delivery(), LEASE, first=True)
    assert claimed is not None
    assert (claimed.status, claimed.attempts, claimed.lease_until) == (DeliveryStatus.PENDING, 1, clock.now() + LEASE)


def test_a_job_handed_out_again_claims_nothing_while_the_lease_runs(services: Services, clock: ManualClock) -> None:
    services.deliveries.claim(delivery(), LEASE, first=True)
    assert services.deliveries.claim(delivery(), LEASE, first=True) is None
    clock.advance(LEASE + 1)  # the first worker died mid-attempt
    again = services.deliveries.claim(delivery(), LEASE, first=True)
    assert again is not None and again.attempts == 2 and again.lease_until == clock.now() + LEASE


def test_a_retry_of_a_record_that_does_not_exist_claims_nothing(services: Services) -> None:
    assert services.deliveries.claim(delivery(), LEASE) is None
    assert services.delivery_log.get("hook_0001", delivery().event_cursor) is None


def test_of_many_workers_claiming_one_delivery_exactly_one_wins(services: Services) -> None:
    won: list[DeliveryRecord | None] = []
    lock = threading.Lock()

    def claim() -> None:
        got = services.deliveries.claim(delivery(), LEASE, first=True)
        with lock:
            won.append(got)

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(won) == 8 and sum(w is not None for w in won) == 1


def test_a_delivered_record_is_never_claimed_again(services: Services, clock: ManualClock) -> None:
    claimed = services.deliveries.claim(delivery(), LEASE, first=True)
    assert claimed is not None
    finish(services, claimed, DeliveryStatus.DELIVERED, code=200)
    clock.advance(LEASE * 10)
    assert services.deliveries.claim(delivery(), LEASE, first=True) is None
    assert services.deliveries.claim(delivery(), LEASE) is None
    stored = services.delivery_log.get("hook_0001", delivery().event_cursor)
    assert stored is not None and stored.status is DeliveryStatus.DELIVERED and stored.lease_until is None
    assert stored.location_id == "loc_a"


def test_a_retry_is_claimed_only_once_it_is_due(services: Services, clock: ManualClock) -> None:
    claimed = services.deliveries.claim(delivery(), LEASE, first=True)
    assert claimed is not None
    finish(services, claimed, DeliveryStatus.PENDING, next_at=clock.now() + 300)
    clock.advance(298)
    assert services.deliveries.claim(delivery(), LEASE) is None
    clock.advance(2)
    retried = services.deliveries.claim(delivery(), LEASE)
    assert retried is not None and retried.attempts == 2
    assert [a.status_code for a in retried.attempts_log] == [500]


def test_the_log_keeps_the_latest_attempts_only(services: Services, clock: ManualClock) -> None:
    for n in range(LOG_SIZE + 3):
        claimed = services.deliveries.claim(delivery(), LEASE, first=n == 0)
        assert claimed is not None
        services.deliveries.finish_many([(claimed, Attempt(clock.now(), 500 + n, None), DeliveryStatus.PENDING, clock.now())])
        clock.advance(1)
    stored = services.delivery_log.get("hook_0001", delivery().event_cursor)
    assert stored is not None
    assert [a.status_code for a in stored.attempts_log] == [500 + n for n in range(3, LOG_SIZE + 3)]
    assert stored.attempts == LOG_SIZE + 3


def test_an_outcome_written_after_its_lease_lapsed_does_not_overwrite_the_next_claims(services: Services, clock: ManualClock) -> None:
    slow = services.deliveries.claim(delivery(), LEASE, first=True)
    assert slow is not None
    clock.advance(LEASE + 1)
    fast = services.deliveries.claim(delivery(), LEASE, first=True)
    assert fast is not None
    finish(services, fast, DeliveryStatus.DELIVERED, code=200)
    finish(services, slow, DeliveryStatus.FAILED)  # the first worker wakes up: its lease is over
    stored = services.delivery_log.get("hook_0001", delivery().event_cursor)
    assert stored is not None and stored.status is DeliveryStatus.DELIVERED


def test_a_retry_beyond_sqs_delay_is_due_to_the_sweeper_at_its_time(services: Services, clock: ManualClock) -> None:
    claimed = services.deliveries.claim(delivery(), LEASE, first=True)
    assert claimed is not None
    later = clock.now() + SQS_MAX_DELAY * 4
    finish(services, claimed, DeliveryStatus.PENDING, next_at=later)
    assert services.deliveries.due(50) == []
    clock.at = later
    due = services.deliveries.due(50)
    assert [(d.event_cursor, seen) for d, seen in due] == [(delivery().event_cursor, later)]


def test_a_postponed_sweep_waits_for_the_queued_jobs_time(services: Services, clock: ManualClock) -> None:
    claimed = services.deliveries.claim(delivery(), LEASE, first=True)
    assert claimed is not None
    finish(services, claimed, DeliveryStatus.PENDING, next_at=clock.now() + SQS_MAX_DELAY * 2)
    clock.advance(SQS_MAX_DELAY * 2)
    [(found, seen)] = services.deliveries.due(50)
    services.deliveries.postpone_sweep(found, seen)
    assert services.deliveries.due(50) == []
    clock.advance(SQS_MAX_DELAY + SAFETY_MARGIN)
    assert len(services.deliveries.due(50)) == 1


def test_a_final_state_leaves_the_sweepers_list(services: Services, clock: ManualClock) -> None:
    claimed = services.deliveries.claim(delivery(), LEASE, first=True)
    assert claimed is not None
    finish(services, claimed, DeliveryStatus.FAILED)
    clock.advance(SQS_MAX_DELAY * 10)
    assert services.deliveries.due(50) == []


def test_sweep_time_and_shards_follow_the_retrys_distance() -> None:
    assert sweep_at_for_retry(1000, 1000 + SQS_MAX_DELAY + 1) == 1000 + SQS_MAX_DELAY + 1
    assert sweep_at_for_retry(1000, 1010) == 1010 + SQS_MAX_DELAY + SAFETY_MARGIN
    assert due_shard("hook_0001") == due_shard("hook_0001")
    assert len({due_shard(f"hook_{n:04d}") for n in range(200)}) > 1  # spread over partitions


def test_resend_makes_a_final_delivery_pending_and_due_unless_an_attempt_holds_it(services: Services, clock: ManualClock) -> None:
    claimed = services.deliveries.claim(delivery(), LEASE, first=True)
    assert claimed is not None
    assert services.deliveries.resend("hook_0001", delivery().event_cursor) is None  # leased right now
    finish(services, claimed, DeliveryStatus.DELIVERED, code=200)
    resent = services.deliveries.resend("hook_0001", delivery().event_cursor)
    assert resent is not None and resent.status is DeliveryStatus.PENDING and resent.next_at == clock.now()
    assert services.deliveries.claim(delivery(), LEASE) is not None


def test_resend_of_a_missing_delivery_creates_nothing(services: Services) -> None:
    assert services.deliveries.resend("hook_0001", delivery().event_cursor) is None
    assert services.delivery_log.get("hook_0001", delivery().event_cursor) is None


def stored_with(services: Services, n: int, status: DeliveryStatus, sub: str = "hook_0001") -> None:
    claimed = services.deliveries.claim(delivery(n, sub=sub), LEASE, first=True)
    assert claimed is not None
    finish(services, claimed, status, next_at=services.clock.now() + 3600 if status is DeliveryStatus.PENDING else None)


def test_a_replay_reopens_the_failed_ones_after_since_and_counts_the_waiting(services: Services, clock: ManualClock) -> None:
    for n, status in enumerate([DeliveryStatus.FAILED, DeliveryStatus.FAILED, DeliveryStatus.DELIVERED, DeliveryStatus.PENDING], 1):
        stored_with(services, n, status)
    stored_with(services, 9, DeliveryStatus.FAILED, sub="hook_0002")
    assert services.deliveries.count_outstanding("hook_0001", None) == (2, 1)
    assert services.deliveries.count_outstanding("hook_0001", delivery(1).event_cursor) == (1, 1)
    reopened, waiting = services.deliveries.reopen_failed("hook_0001", None)
    assert sorted(r.event_cursor for r in reopened) == [delivery(1).event_cursor, delivery(2).event_cursor]
    assert waiting == 1 and all(r.status is DeliveryStatus.PENDING and r.next_at == clock.now() for r in reopened)
    assert services.deliveries.count_outstanding("hook_0001", None) == (0, 3)
    assert services.deliveries.count_outstanding("hook_0002", None) == (1, 0)


def test_retry_now_brings_the_waiting_forward_and_leaves_the_rest(services: Services, clock: ManualClock) -> None:
    stored_with(services, 1, DeliveryStatus.PENDING)
    stored_with(services, 2, DeliveryStatus.FAILED)
    forward = services.deliveries.bring_forward("hook_0001")
    assert [(r.event_cursor, r.next_at) for r in forward] == [(delivery(1).event_cursor, clock.now())]
    assert services.deliveries.claim(delivery(1), LEASE) is not None
    assert services.deliveries.claim(delivery(2), LEASE) is None


def test_a_test_delivery_is_logged_but_never_replayed(services: Services, clock: ManualClock) -> None:
    from dataclasses import replace

    test = replace(delivery(1), status=DeliveryStatus.FAILED, attempts=1, attempts_log=(attempt(clock),), test=True)
    services.deliveries.record_test(test)
    stored = services.delivery_log.get("hook_0001", test.event_cursor)
    assert stored is not None and stored.test and stored.status is DeliveryStatus.FAILED
    assert services.deliveries.count_outstanding("hook_0001", None) == (0, 0)
    assert services.deliveries.reopen_failed("hook_0001", None) == ([], 0)


@pytest.mark.parametrize("status", [DeliveryStatus.FAILED, DeliveryStatus.GONE])
def test_an_ended_delivery_is_not_claimed_by_a_late_job(services: Services, clock: ManualClock, status: DeliveryStatus) -> None:
    claimed = services.deliveries.claim(delivery(), LEASE, first=True)
    assert claimed is not None
    finish(services, claimed, status)
    clock.advance(LEASE + 1)
    assert services.deliveries.claim(delivery(), LEASE) is None
