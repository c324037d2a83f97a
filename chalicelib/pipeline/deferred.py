"""Events stored before their enrichment: released the moment their customer's lookup lands, or at the bound.

Inbound waits only a second for 7stamp; an event it could not enrich is stored awaiting
enrichment, noted against its customer in the wanted order (``store/wanted``). Lookups
are taken from that order in order of first need at the budget's pace, by inbound while
it waits and by ``drain`` jobs that hand on to one another while the order is not empty;
each lookup releases every event waiting for its customer at once (``enrich.release``:
one conditional write, whose stream record hands the event to fan-out).

Fan-out also queues an ``enrich`` job for each event stored awaiting: the safety net.
It releases an event whose customer is known by then (its lookup landed while its
inbound was still storing it), unenriched when 7stamp does not know the customer or
ENRICH_BOUND seconds after receipt; it notes the event again if its want was lost and
starts a drain when the order has stood still for STALL_SECONDS (a worker died
mid-drain); those checks wait until the event has waited STALL_SECONDS, so the many
events of a crowd cost one read each until then. It asks again later, less often as the
event waits longer.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from chalicelib import observability
from chalicelib.container import Services
from chalicelib.errors import ConnectorError
from chalicelib.pipeline import enrich, jobs
from chalicelib.sevenstamp import pacing
from chalicelib.store.events import received_at
from chalicelib.store.records import StoredEvent

log = logging.getLogger("connector.deferred")

ENRICH_BOUND = 120.0
RETRY_EVERY = 10  # the safety net's first look (a lookup releases its events itself); later ones wait half the time waited so far
DRAIN_SECONDS = 10.0  # one drain job's share of a crowd (its function's time), then it hands on
STALL_SECONDS = 30.0  # an order not taken from for this long, with customers in it, has lost its drain


def jobs_for(events: list[StoredEvent]) -> list[jobs.Job]:
    """The enrich jobs of events just stored awaiting enrichment (queued with RETRY_EVERY's delay)."""
    return [jobs.Job(e.location_id, e.dedup_key, e.cursor, [], str(e.record.get("id", "")), e.name, kind=jobs.ENRICH) for e in events]


def handle_messages(services: Services, bodies: dict[str, str]) -> list[str]:
    """Run a batch of the enrich queue's messages (id -> body) side by side; returns the ids to try again.

    Side by side: a drain job spends DRAIN_SECONDS on the budget's pace, the safety-net
    jobs beside it take milliseconds, and none waits for another.
    """
    received: dict[str, jobs.Job] = {}
    for message_id, body in bodies.items():
        try:
            received[message_id] = jobs.Job.loads(body)
        except (ValueError, KeyError, TypeError):
            log.error("dropping unreadable enrich job %s", message_id)

    def one(item: tuple[str, jobs.Job]) -> str | None:
        message_id, job = item
        observability.correlate(job.event_id or None)
        try:
            run(services, job)
        except ConnectorError as exc:
            log.warning("enrich job %s postponed: %s", message_id, exc.message)
            return message_id
        return None

    if not received:
        return []
    with ThreadPoolExecutor(max_workers=len(received)) as pool:
        return [m for m in pool.map(one, received.items()) if m is not None]


def run(services: Services, job: jobs.Job) -> None:
    """Run an enrich job (the safety net of one awaiting event) or a drain job (the location's lookups for a while)."""
    if job.kind == jobs.DRAIN:
        drain(services, job.location_id)
        return
    event = services.events.get(job.location_id, job.dedup_key)
    if event is None or not event.awaiting:
        return  # released already (the usual case), or expired
    connection = services.locations.get(job.location_id)
    waited = services.clock.now() - received_at(event.cursor)
    if connection is None:
        enrich.release(services, event, enrich.Enrichment(event.record, False, False))
        return
    result = enrich.enrich(services, connection, event.record, wait=0.0)
    if result.enriched or waited >= ENRICH_BOUND or not result.retry:
        enrich.release(services, event, result)
        return
    if waited >= STALL_SECONDS:
        _keep_wanted(services, connection, event)
    services.enrich_queue.send([job], delay=int(min(max(RETRY_EVERY, waited / 2), max(1.0, ENRICH_BOUND - waited))))


def _keep_wanted(services: Services, connection: enrich.Connection, event: StoredEvent) -> None:
    """Note the event again if its want was lost, want its customer again if the lookup was taken and never landed (a
    worker died mid-lookup), and start a drain if the order has not moved for STALL_SECONDS."""
    customer_id = enrich.customer_of(event.record)
    if customer_id is None:
        return
    location_id = event.location_id
    since = services.wanted.want(location_id, customer_id, event.dedup_key)
    order, popped_at = services.wanted.state(location_id)
    now = services.clock.now()
    if since is None or (customer_id not in order and since < now - STALL_SECONDS):
        log.warning("customer %s was wanted and is not in the order; wanted again", customer_id)
        if services.wanted.append(location_id, customer_id) == [customer_id]:
            enrich.start_drain(services, location_id)
        return
    if order and popped_at < now - STALL_SECONDS and services.wanted.restart(location_id, popped_at):
        log.warning("the wanted customers of location %s stood still; a drain is started again", location_id)
        enrich.start_drain(services, location_id)


def drain(services: Services, location_id: str) -> None:
    """Take the location's wanted customers in order for DRAIN_SECONDS; a drain job follows while any are left.

    ``pacing.PER_SECOND`` threads take them side by side (they share this worker's booked
    calls), so a slow lookup does not leave the second's other calls unused.
    """
    connection = services.locations.get(location_id)
    if connection is None:
        return
    until = services.clock.now() + DRAIN_SECONDS
    with ThreadPoolExecutor(max_workers=pacing.PER_SECOND) as pool:
        drained = list(pool.map(lambda _: enrich.drain(services, connection, until, None), range(pacing.PER_SECOND)))
    if any(d.order for d in drained):
        enrich.start_drain(services, location_id, any(d.failed for d in drained))
