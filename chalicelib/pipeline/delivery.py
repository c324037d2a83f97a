"""Delivering stored events to subscribers: one attempt per claimed delivery, then the retry schedule.

A delivery is claimed with a lease before its POST, so a job handled twice (SQS
redelivery, a sweeper that re-queues) never POSTs an event that was already delivered;
a worker that dies mid-attempt leaves a lease that lapses and the sweeper picks the
delivery up again. 2xx is delivered; 410 removes the subscription; anything else is
retried on RETRY_DELAYS (±20 % jitter, or the subscriber's Retry-After), then marked
failed and kept for replay. A subscription that has only failed for five days is disabled.
The outcomes of one SQS batch are written together (``finish_many``), and a job carries
the event's text (and, from fan-out, its subscriptions and their signatures, never a
secret), so a first attempt costs its claim and a share of one batched write.

No subscription waits for another: a failing or hanging one is held by its breaker and
capped by the process's gate (pipeline/breaker.py); its held jobs go back on the queue
without a claim and come back when the hold ends.
"""

from __future__ import annotations

import logging
import math
import random
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace

import httpx

from chalicelib import observability, retry_after
from chalicelib.aws import SQS_MAX_DELAY
from chalicelib.container import Services
from chalicelib.errors import ConnectorError
from chalicelib.pipeline import attempt_errors, breaker, enrich_jobs, jobs
from chalicelib.security import address_guard, signing
from chalicelib.store.records import Attempt, DeliveryRecord, DeliveryStatus, Subscription

log = logging.getLogger("connector.delivery")

RETRY_DELAYS = (5, 300, 1800, 7200, 18000, 36000, 36000)
JITTER = 0.2
DISABLE_AFTER = 5 * 86400
LEASE_SECONDS = 60
MAX_ANSWER = 64 * 1024
MAX_RETRY_AFTER = 86400
MAX_HEADER_VALUE = 64  # longer Retry-After or Content-Encoding values are no real subscriber's
ANSWER_KEPT = 1024  # bytes of the subscriber's answer kept with the attempt, for the console
FLUSH_EVERY = 25  # outcomes per batched write (BatchWriteItem's most)
PROBE_MARGIN = 5.0  # seconds a probe's hold on its subscription outlasts the delivery timeout


@dataclass(frozen=True)
class SubscriberAnswer:
    """What one POST to a subscriber came back with; the delivery log keeps it as an ``Attempt``."""

    status_code: int | None
    error: str | None = None
    retry_after: int | None = None
    latency_ms: float | None = None
    answer: str | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def next_delay(attempts: int, asked: int | None) -> float | None:
    """Seconds until the next attempt after ``attempts`` attempts (``asked``: the subscriber's Retry-After), or None when
    retries are used up."""
    if attempts > len(RETRY_DELAYS):
        return None
    if asked is not None:
        return float(min(max(1, asked), MAX_RETRY_AFTER))
    base = RETRY_DELAYS[attempts - 1]
    return base * random.uniform(1 - JITTER, 1 + JITTER)


def post(services: Services, url: str, body: str, headers: dict[str, str]) -> SubscriberAnswer:
    """One POST to a subscriber through the address guard, all of it (DNS, connect, TLS, answer) within one deadline.

    The answer is read as raw bytes (``identity`` asked for, nothing inflated), at most
    MAX_ANSWER of them. Whatever the subscriber sends, an SubscriberAnswer comes back: nothing it
    does raises here.
    """
    timeout = services.settings.delivery_timeout_seconds
    started = time.monotonic()
    try:
        target = address_guard.check(url, allow_private=services.settings.allow_private_targets, timeout=timeout)
    except address_guard.TargetRefused as refused:
        return SubscriberAnswer(None, f"refused: {refused.reason}")
    except TimeoutError:
        return SubscriberAnswer(None, attempt_errors.TIMED_OUT, latency_ms=_ms(started))
    request_headers = {
        **headers,
        "Content-Type": "application/json",
        "User-Agent": "7stamp-connector/1.0",
        "Accept-Encoding": "identity",
    }
    deadline = started + timeout
    try:
        with (
            address_guard.connecting(target, deadline) as request_url,
            services.subscriber_http.stream(
                "POST", request_url, content=body.encode(), headers=request_headers, timeout=max(0.001, deadline - time.monotonic())
            ) as response,
        ):
            head = bytearray()
            received = 0
            for chunk in response.iter_raw():
                head += chunk[: max(0, ANSWER_KEPT - len(head))]
                received += len(chunk)
                if received >= MAX_ANSWER:
                    break
            encoding = response.headers.get("Content-Encoding", "identity").strip().lower()[:MAX_HEADER_VALUE]
            text = head.decode("utf-8", errors="replace") if encoding == "identity" else f"({received} bytes of {encoding}, not decoded)"
            return SubscriberAnswer(
                response.status_code,
                None,
                retry_after.seconds(response.headers.get("Retry-After"), time.time(), MAX_RETRY_AFTER),
                _ms(started),
                text,
            )
    except httpx.TimeoutException:
        return SubscriberAnswer(None, attempt_errors.TIMED_OUT, latency_ms=_ms(started))
    except httpx.HTTPError as exc:  # refused, reset, a protocol violation, a bad certificate
        return SubscriberAnswer(None, attempt_errors.describe(exc), latency_ms=_ms(started))
    except (httpx.StreamError, OSError, ValueError) as exc:  # whatever else a subscriber's bytes can cause: an outcome, never a raise
        return SubscriberAnswer(None, f"connection failed: {type(exc).__name__}", latency_ms=_ms(started))


def _ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)


@dataclass(frozen=True)
class Finished:
    """One attempt's result, to be written with the others of its batch (and a retry job to queue, if any)."""

    delivery: DeliveryRecord
    attempt: Attempt
    status: DeliveryStatus
    next_at: float | None = None
    retry_in: float | None = None  # seconds, when the retry is queued now (not later than SQS's longest delay)


@dataclass(frozen=True)
class Held:
    """A delivery not attempted now (its subscription's breaker is open, or at its cap here): its job goes back on the queue."""

    job: jobs.Job  # for this one subscription, with nothing carried: the worker reads the subscription when it comes back
    delay: float


def attempt(
    services: Services,
    delivery: DeliveryRecord,
    subscription: Subscription | None,
    text: str | None,
    signed: dict[str, str] | None = None,
) -> Finished:
    """Make one claimed attempt (``signed``: fan-out's signature headers, when fresh); returns its outcome for ``finish_many``."""
    subs = services.subscriptions
    now = services.clock.now()
    if subscription is None or text is None:
        reason = "subscription deleted" if subscription is None else "event expired"
        return Finished(delivery, Attempt(now, None, reason), DeliveryStatus.GONE)
    if subscription.disabled:
        return Finished(delivery, Attempt(now, None, "subscription disabled"), DeliveryStatus.FAILED)
    # the stored text as it is; the signature's timestamp is the wall clock's, whatever the store's clock says
    headers = signed or signing.headers(subscription.secret, delivery.event_id, int(time.time()), text)
    outcome = post(services, subscription.target_url, text, headers)
    observability.attempted(subscription.id, outcome.status_code, outcome.error, outcome.latency_ms)
    record = Attempt(now, outcome.status_code, outcome.error, outcome.latency_ms, outcome.answer)
    if outcome.ok:
        if subscription.failing_since is not None or subscription.strikes:
            subs.record_success(subscription.location_id, subscription.id)
            services.delivery_gate.delivered(subscription.id)
        return Finished(delivery, record, DeliveryStatus.DELIVERED)
    if outcome.status_code == 410:
        subs.delete(subscription.location_id, subscription.id)
        return Finished(delivery, record, DeliveryStatus.GONE)
    now_failing = subs.record_failure(
        subscription.location_id, subscription.id, DISABLE_AFTER, timed_out=attempt_errors.hung(outcome.error)
    )
    if now_failing is not None:
        services.delivery_gate.failed(now_failing)
    disabled = now_failing is not None and now_failing.disabled and not subscription.disabled
    if disabled:
        observability.metric("SubscriptionsDisabled")
    delay = None if disabled else next_delay(delivery.attempts, outcome.retry_after)
    if delay is None:
        log.error(
            "delivery %s/%s failed after %d attempts; kept for replay", delivery.subscription_id, delivery.event_cursor, delivery.attempts
        )
        return Finished(delivery, record, DeliveryStatus.FAILED)
    return Finished(delivery, record, DeliveryStatus.PENDING, now + delay, delay if delay <= SQS_MAX_DELAY else None)


def _held(job: jobs.Job, sub_id: str, seconds: float) -> Held:
    observability.metric("DeliveriesHeld")
    return Held(replace(job, subscriptions=[sub_id], carried=(), signed_at=0, signatures={}), breaker.spread(seconds))


def _deliver_one(
    services: Services, job: jobs.Job, sub_id: str, subscription: Subscription | None, text: str | None
) -> Finished | Held | None:
    """Claim and attempt one delivery, unless its subscription's breaker or gate holds it (then nothing is claimed)."""
    live = subscription is not None and not subscription.disabled and text is not None
    probing = False
    took: float | None = None  # the attempt's milliseconds, when one was made
    gate = services.delivery_gate
    if live and subscription is not None:
        if job.carried:
            subscription = gate.latest(subscription)  # fan-out's copy may predate this process's own failures
        held = breaker.state(subscription, services.clock.now())
        if held.wait > 0:
            return _held(job, sub_id, held.wait)
        probing = held.probing
    place = gate.enter(sub_id) if live else None
    if live and place is None:
        return _held(job, sub_id, services.settings.delivery_timeout_seconds)
    try:
        if probing and subscription is not None:
            until = services.clock.now() + services.settings.delivery_timeout_seconds + PROBE_MARGIN
            if not services.subscriptions.take_probe(subscription.location_id, sub_id, until):
                return _held(job, sub_id, until - services.clock.now())
        wanted = DeliveryRecord(
            sub_id, job.location_id, job.dedup_key, job.event_cursor, job.event_id, job.event, DeliveryStatus.PENDING, 0, 0.0
        )
        claimed = services.deliveries.claim(wanted, LEASE_SECONDS, first=job.first)
        if claimed is None:
            return None  # delivered already, leased by another worker, or not due yet
        if claimed.location_id != job.location_id:
            log.error("delivery %s/%s belongs to another location; refused", sub_id, job.event_cursor)
            return None
        finished = attempt(services, claimed, subscription, text, job.signed_headers(sub_id, time.time()))
        took = finished.attempt.latency_ms
    finally:
        if place is not None:
            gate.leave(sub_id, place, None if took is None else took / 1000)
    observability.metric("Deliveries", outcome=finished.status.value)
    return finished


def _record(services: Services, finished: list[Finished], held: list[Held]) -> None:
    """Queue the held jobs and the retries SQS can delay, then write every outcome.

    Jobs first, so a crash between leaves a lease for the sweeper.
    """
    retries = [f for f in finished if f.retry_in is not None]
    queued = [h.job for h in held] + [jobs.redelivery(f.delivery) for f in retries]
    if queued:
        services.queue.send(queued, [math.ceil(h.delay) for h in held] + [int(f.retry_in or 0) + 1 for f in retries])
    if finished:
        services.deliveries.finish_many([(f.delivery, f.attempt, f.status, f.next_at) for f in finished])


def carried(job: jobs.Job) -> dict[str, Subscription]:
    """The job's own copy of its subscriptions (a first job, from fan-out), with a fresh signature for every one; else empty."""
    now = time.time()
    subs = {s.id: s for s in job.carried if s.location_id == job.location_id and job.signed_headers(s.id, now) is not None}
    return subs if set(job.subscriptions) <= subs.keys() else {}


def handle_messages(services: Services, bodies: dict[str, str]) -> list[str]:
    """Run SQS messages (id -> body), DELIVERY_CONCURRENCY POSTs at a time; returns the ids that failed."""
    failed: set[str] = set()
    work: list[tuple[str, jobs.Job, str, Subscription | None, str | None]] = []
    to_enrich: list[tuple[str, jobs.Job]] = []
    for message_id, body in bodies.items():
        try:
            job = jobs.Job.loads(body)
        except (ValueError, KeyError, TypeError):
            log.error("dropping unreadable delivery job %s", message_id)
            continue
        try:
            if job.kind is jobs.JobKind.ENRICH:
                to_enrich.append((message_id, job))
                continue
            text = job.body
            if text is None:
                event = services.events.get(job.location_id, job.dedup_key)
                text = event.text if event is not None else None
            subs = carried(job) or services.subscriptions.get_many(job.location_id, job.subscriptions)
        except ConnectorError as exc:
            log.warning("delivery job %s postponed: %s", message_id, exc.message)
            failed.add(message_id)
            continue
        work.extend((message_id, job, sub_id, subs.get(sub_id), text) for sub_id in job.subscriptions)

    def run(item: tuple[str, jobs.Job, str, Subscription | None, str | None]) -> tuple[str, Finished | Held | None] | str:
        message_id, job, sub_id, subscription, text = item
        observability.correlate(job.event_id or job.event_cursor)
        try:
            return message_id, _deliver_one(services, job, sub_id, subscription, text)
        except Exception:
            log.exception("delivery %s/%s failed; its job will be retried", sub_id, job.event_cursor)
            return message_id

    def enrich_later(item: tuple[str, jobs.Job]) -> tuple[str, None] | str:
        """An enrich job beside the deliveries, not before them: its wait for 7stamp's budget holds up nothing else."""
        message_id, job = item
        observability.correlate(job.event_id or job.event_cursor)
        try:
            enrich_jobs.run(services, job)
        except ConnectorError as exc:
            log.warning("enrich job %s postponed: %s", message_id, exc.message)
            return message_id
        return message_id, None

    pending: list[tuple[str, Finished | Held]] = []

    def flush() -> None:
        try:
            _record(services, [f for _, f in pending if isinstance(f, Finished)], [h for _, h in pending if isinstance(h, Held)])
        except ConnectorError as exc:
            log.warning("delivery outcomes not recorded (%s); their jobs will be retried", exc.message)
            failed.update(m for m, _ in pending)
        pending.clear()

    with ThreadPoolExecutor(max_workers=services.settings.delivery_concurrency) as pool:
        futures = [pool.submit(enrich_later, item) for item in to_enrich] + [pool.submit(run, item) for item in work]
        for future in as_completed(futures):
            result = future.result()
            if isinstance(result, str):
                failed.add(result)
            elif result[1] is not None:
                pending.append((result[0], result[1]))
                if len(pending) >= FLUSH_EVERY:
                    flush()  # outcomes are written soon after their POST, well within the lease
    flush()
    return sorted(failed)
