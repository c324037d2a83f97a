"""What the Lambda event handlers do, with their inputs already unwrapped by app.py.

The local stack's workers call the handlers in app.py itself, with Lambda-shaped events,
so the code path is the one AWS runs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from chalicelib import observability
from chalicelib.container import Services
from chalicelib.errors import ConnectorError
from chalicelib.pipeline import delivery, fanout
from chalicelib.sevenstamp import connect
from chalicelib.store.events import EventStore, landed_late, received_at
from chalicelib.store.records import StoredEvent

log = logging.getLogger("connector.handlers")


def fan_out_records(services: Services, records: Iterable[tuple[str, str, dict[str, Any] | None, float]]) -> dict[str, Any]:
    """Fan out a stream batch (sequence number, event name, new image, when the write landed); reports the first record that failed.

    An INSERT is a new event; a MODIFY is an event released after its enrichment, or an
    event given a fresh cursor because its write landed late (``EventStore.move``: checked
    again, not fanned out again). With ReportBatchItemFailures, Lambda checkpoints before
    the reported record and retries from it, bisecting, until MaximumRetryAttempts or
    MaximumRecordAgeInSeconds parks it in the on-failure queue: one bad record never holds
    the shard (the local worker does the same).
    """
    order: list[str] = []
    positions: list[str] = []
    events: list[StoredEvent] = []
    late: list[tuple[str, StoredEvent, float]] = []
    bad: set[str] = set()
    for sequence, name, image, landed in records:
        if name not in ("INSERT", "MODIFY") or not image:
            continue
        order.append(sequence)
        try:
            event = EventStore.from_stream(image)
        except (ValueError, KeyError, TypeError, RecursionError):
            log.exception("stream record %s cannot be read as an event", sequence)
            bad.add(sequence)
            break
        if (name == "INSERT" or event.moved) and landed_late(event.cursor, landed):
            late.append((sequence, event, landed))
        if name == "MODIFY" and (event.awaiting or event.moved):
            continue
        positions.append(sequence)
        events.append(event)
    bad.update(_move(services, late))
    queued, failed = fanout.fan_out(services, events)
    observability.correlate(None)
    bad.update(positions[i] for i in failed)
    first_bad = next((sequence for sequence in order if sequence in bad), None)
    log.info("stream batch: %d events, %d jobs queued%s", len(events), queued, f", failed from {first_bad}" if first_bad else "")
    return {"batchItemFailures": [{"itemIdentifier": first_bad}] if first_bad else []}


def _move(services: Services, late: list[tuple[str, StoredEvent, float]]) -> set[str]:
    """Give each event whose write landed late a fresh cursor (a ``since`` poller may have passed its own); the records that failed."""
    failed: set[str] = set()
    for sequence, event, landed in late:
        try:
            cursor = services.events.move(event)
        except ConnectorError:
            failed.add(sequence)
            continue
        if cursor is not None:
            observability.metric("EventsMoved")
            log.warning(
                "event %s landed %.1f s after its cursor; moved to a fresh cursor so that since pollers see it",
                event.record.get("id"),
                landed - received_at(event.cursor),
            )
    return failed


def deliver_messages(services: Services, bodies: dict[str, str]) -> dict[str, Any]:
    failed = delivery.handle_messages(services, bodies)
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}


def sweep(services: Services) -> None:
    """Each minute: queue due deliveries, then check 7stamp's registration of this minute's locations (hourly each)."""
    count = fanout.sweep(services)
    if count:
        log.info("sweeper queued %d due deliveries", count)
    checked = connect.check_scheduled(services)
    if checked:
        log.info("sweeper checked the 7stamp registration of %d locations", checked)
