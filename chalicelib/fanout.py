"""Fan-out: a newly stored event becomes one delivery record and one queued job per matching subscription.

Runs from the events table's stream, so an event that is stored is always handed on;
delivery records are written conditionally, so a stream batch handled twice creates
nothing twice (and the jobs it re-queues find those deliveries claimed or done).
"""

from __future__ import annotations

from chalicelib import event_filters, queue, registry, services
from chalicelib.store import _dynamo
from chalicelib.store.records import Delivery, DeliveryStatus, StoredEvent, Subscription


def matches(sub: Subscription, event: StoredEvent) -> bool:
    """Whether the subscription wants this event: its name (or ``any``), not disabled, every filter passing."""
    if sub.disabled or sub.event not in (event.name, registry.ANY_EVENT):
        return False
    return event_filters.passes(sub.event, sub.filters, event.record)


def fan_out(event: StoredEvent) -> int:
    """Create the deliveries of one event and queue them all; returns how many subscriptions match.

    Deliveries that existed already are queued again too: their claim decides whether
    anything is sent, so a delivered one is skipped and one left behind is finished.
    """
    subs = [s for s in services.subscriptions().list(event.location_id) if matches(s, event)]
    if not subs:
        return 0
    now = _dynamo.now()
    services.deliveries().create_missing(
        [
            Delivery(
                subscription_id=sub.id,
                location_id=event.location_id,
                event_key=event.key,
                event_cursor=event.cursor,
                event_id=str(event.record["id"]),
                event=event.name,
                status=DeliveryStatus.PENDING,
                attempts=0,
                next_at=now,
            )
            for sub in subs
        ]
    )
    queue.send(queue.jobs_for(event.location_id, event.key, event.cursor, [s.id for s in subs]))
    return len(subs)


def sweep(limit: int = 500) -> int:
    """Queue again every pending delivery whose time has come (retries past SQS's delay, crashed workers)."""
    due = services.deliveries().due(limit)
    by_event: dict[tuple[str, str, str], list[str]] = {}
    for d in due:
        by_event.setdefault((d.location_id, d.event_key, d.event_cursor), []).append(d.subscription_id)
    jobs = [job for (loc, key, cursor), ids in by_event.items() for job in queue.jobs_for(loc, key, cursor, ids)]
    queue.send(jobs)
    return len(due)
