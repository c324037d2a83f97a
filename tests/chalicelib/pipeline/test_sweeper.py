"""The retry sweeper (pipeline/sweeper.py): what is due is queued once, then left until its job should have run."""

from __future__ import annotations

from unit_support import ManualClock

from chalicelib.aws import SQS_MAX_DELAY
from chalicelib.container import Services
from chalicelib.pipeline import sweeper
from chalicelib.pipeline.jobs import Job
from chalicelib.store.deliveries import SAFETY_MARGIN
from chalicelib.store.events import event_id_for
from chalicelib.store.records import Attempt, DeliveryRecord, DeliveryStatus


def waiting(services: Services, n: int, retry_in: float) -> DeliveryRecord:
    """A delivery whose first attempt failed, to be retried ``retry_in`` seconds from now."""
    event_id, cursor = event_id_for(1_800_000_000_000 + n, f"d{n}")
    record = DeliveryRecord(f"hook_{n:04d}", "loc_a", f"wh_{n}", cursor, event_id, "stamp_added", DeliveryStatus.PENDING, 0, 0.0)
    claimed = services.deliveries.claim(record, 60, first=True)
    assert claimed is not None
    now = services.clock.now()
    services.deliveries.finish_many([(claimed, Attempt(now, 500, None), DeliveryStatus.PENDING, now + retry_in)])
    return claimed


def queued(services: Services) -> list[Job]:
    messages = services.aws.client("sqs").receive_message(QueueUrl=services.settings.delivery_queue_url, MaxNumberOfMessages=10)
    return [Job.loads(m["Body"]) for m in messages.get("Messages", [])]


def test_nothing_due_queues_nothing(services: Services) -> None:
    waiting(services, 1, SQS_MAX_DELAY * 3)
    assert sweeper.sweep(services) == 0
    assert queued(services) == []


def test_a_retry_past_sqss_delay_is_queued_when_due_and_then_left_alone(services: Services, clock: ManualClock) -> None:
    due = waiting(services, 1, SQS_MAX_DELAY * 3)
    waiting(services, 2, SQS_MAX_DELAY * 10)
    clock.advance(SQS_MAX_DELAY * 3)
    assert sweeper.sweep(services) == 1
    [job] = queued(services)
    assert (job.subscriptions, job.event_cursor, job.first) == ([due.subscription_id], due.event_cursor, False)
    assert sweeper.sweep(services) == 0  # postponed: the job just queued should run first
    clock.advance(SQS_MAX_DELAY + SAFETY_MARGIN)
    assert sweeper.sweep(services) == 1  # the safety net, in case that job was lost


def test_a_delivered_retry_leaves_the_sweeper(services: Services, clock: ManualClock) -> None:
    waiting(services, 1, SQS_MAX_DELAY * 3)
    clock.advance(SQS_MAX_DELAY * 3)
    sweeper.sweep(services)
    [job] = queued(services)
    claimed = services.deliveries.claim(
        DeliveryRecord(
            job.subscriptions[0], "loc_a", job.dedup_key, job.event_cursor, job.event_id, job.event, DeliveryStatus.PENDING, 0, 0
        ),
        60,
    )
    assert claimed is not None
    services.deliveries.finish_many([(claimed, Attempt(clock.now(), 200, None), DeliveryStatus.DELIVERED, None)])
    clock.advance(SQS_MAX_DELAY * 10)
    assert sweeper.sweep(services) == 0
