"""Events stored before their enrichment: enriched later, then released to fan-out.

Inbound waits only a second for 7stamp; an event it could not enrich is stored awaiting
enrichment, and fan-out queues an ``enrich`` job for it instead of its deliveries. The
job tries again every RETRY_EVERY seconds; once the details are in, or ENRICH_BOUND
seconds after receipt, it writes the final record (``enriched`` true or false) and
removes the mark. That one conditional write shows in the table's stream, which hands
the event to fan-out: subscribers and pollers see the same record, and an event is
never delivered before its enrichment was tried for the bounded time.
"""

from __future__ import annotations

import logging

from chalicelib.container import Services
from chalicelib.pipeline import enrich, jobs
from chalicelib.store.events import received_at
from chalicelib.store.records import StoredEvent

log = logging.getLogger("connector.deferred")

ENRICH_BOUND = 120.0
RETRY_EVERY = 5  # each try waits up to WAIT_LATER for a booked call: a first-seen customer's backlog clears within a try or two
WAIT_LATER = 5.0  # the most one later attempt waits for 7stamp


def jobs_for(events: list[StoredEvent]) -> list[jobs.Job]:
    """The enrich jobs of events just stored awaiting enrichment (queued with RETRY_EVERY's delay)."""
    return [jobs.Job(e.location_id, e.dedup_key, e.cursor, [], str(e.record.get("id", "")), e.name, kind=jobs.ENRICH) for e in events]


def run(services: Services, job: jobs.Job) -> None:
    """Try to enrich one awaiting event; release it when enriched, hopeless or past the bound, else ask again later."""
    event = services.events.get(job.location_id, job.dedup_key)
    if event is None or not event.awaiting:
        return  # released already (a repeated job), or expired
    connection = services.locations.get(job.location_id)
    waited = services.clock.now() - received_at(event.cursor)
    past_bound = waited >= ENRICH_BOUND or connection is None
    if connection is None:
        result = enrich.Enrichment(event.record, False, False)
    else:
        result = enrich.enrich(services, connection, event.record, wait=0.0 if past_bound else min(WAIT_LATER, ENRICH_BOUND - waited))
    if result.enriched or past_bound or not result.retry:
        if services.events.release(
            job.location_id, job.dedup_key, {**result.record, "id": event.record["id"], "enriched": result.enriched}
        ):
            log.info("event %s released %s after %.0f s", event.record.get("id"), "enriched" if result.enriched else "unenriched", waited)
        return
    services.queue.send([job], delay=int(min(RETRY_EVERY, max(1.0, ENRICH_BOUND - waited))))
