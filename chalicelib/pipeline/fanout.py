"""Fan-out: newly stored events become queued delivery jobs, one stream batch at a time.

Runs from the events table's stream, so an event that is stored is always handed on.
The batch's events are grouped by location: one subscriptions read per location, then
every job of the batch goes out in as few SendMessageBatch calls as fit, each carrying
the subscriptions it names and their signatures of the event, never a secret (so the
worker does not read them again for a first attempt). Nothing is
written to the deliveries table here: the first claim creates a delivery's record, so
a stream batch handled twice queues its jobs again and their claims send nothing twice.
An event still awaiting enrichment gets an ``enrich`` job instead (enrich_jobs.py).
"""

from __future__ import annotations

import logging

from chalicelib import observability
from chalicelib.container import Services
from chalicelib.contract import event_filters
from chalicelib.errors import ConnectorError
from chalicelib.pipeline import jobs
from chalicelib.store.records import StoredEvent

log = logging.getLogger("connector.fanout")


def fan_out(services: Services, events: list[StoredEvent]) -> tuple[int, set[int]]:
    """Queue the deliveries (or enrich jobs) of a batch's events; returns the jobs queued and the positions that failed.

    A failure is kept to its record where it can be (a location whose subscriptions
    could not be read, an event that makes matching raise); a queue that refuses the
    batch fails every record of it.
    """
    failed: set[int] = set()
    queued: list[jobs.Job] = []
    delays: list[int] = []
    awaiting = [e for e in events if e.awaiting]
    for event in awaiting:
        queued.append(jobs.enrichment(event))
        delays.append(0)  # at once: it books the customer's lookup in the order events needed it
    by_location: dict[str, list[int]] = {}
    for i, event in enumerate(events):
        if not event.awaiting:
            by_location.setdefault(event.location_id, []).append(i)
    for location_id, positions in by_location.items():
        try:
            subs = services.subscriptions.list(location_id)
        except ConnectorError:
            failed.update(positions)
            continue
        for i in positions:
            event = events[i]
            observability.correlate(str(event.record.get("id")))
            try:
                name = event.name
                matched = [s for s in subs if event_filters.wants(s, name, event.record)]
            except Exception:  # the log reads the record safely: a handler that raised again would fail the whole batch
                log.exception("event %s (%s) could not be matched to subscriptions", event.record.get("id"), event.record.get("event"))
                failed.add(i)
                continue
            log.info("event %s (%s) -> %d subscriptions", event.record.get("id"), name, len(matched))
            for job in jobs.first_deliveries(event, matched):
                queued.append(job)
                delays.append(0)
    try:
        if queued:
            services.queue.send(queued, delays)
    except ConnectorError:
        return 0, set(range(len(events)))
    return len(queued), failed
