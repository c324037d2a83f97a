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
from chalicelib.pipeline import delivery, fanout
from chalicelib.store.events import EventStore
from chalicelib.store.records import StoredEvent

log = logging.getLogger("connector.handlers")


def fan_out_records(services: Services, records: Iterable[tuple[str, str, dict[str, Any] | None]]) -> dict[str, Any]:
    """Fan out a stream batch (sequence number, event name, new image); reports the first record that failed.

    An INSERT is a new event; a MODIFY is an event released after its enrichment. With
    ReportBatchItemFailures, Lambda checkpoints before the reported record and retries
    from it, bisecting, until MaximumRetryAttempts or MaximumRecordAgeInSeconds parks it
    in the on-failure queue: one bad record never holds the shard (the local worker
    does the same).
    """
    positions: list[str] = []
    events: list[StoredEvent] = []
    first_bad: str | None = None
    for sequence, name, image in records:
        if name not in ("INSERT", "MODIFY") or not image:
            continue
        try:
            event = EventStore.from_stream(image)
        except (ValueError, KeyError, TypeError, RecursionError):
            log.exception("stream record %s cannot be read as an event", sequence)
            first_bad = sequence
            break
        if name == "MODIFY" and event.awaiting:
            continue
        positions.append(sequence)
        events.append(event)
    queued, failed = fanout.fan_out(services, events)
    observability.correlate(None)
    if failed:
        first_bad = positions[min(failed)]
    log.info("stream batch: %d events, %d jobs queued%s", len(events), queued, f", failed from {first_bad}" if first_bad else "")
    return {"batchItemFailures": [{"itemIdentifier": first_bad}] if first_bad else []}


def deliver_messages(services: Services, bodies: dict[str, str]) -> dict[str, Any]:
    failed = delivery.handle_messages(services, bodies)
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}


def sweep(services: Services) -> None:
    count = fanout.sweep(services)
    if count:
        log.info("sweeper queued %d due deliveries", count)
