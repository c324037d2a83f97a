"""Enrich jobs: events stored before their enrichment wait for their customer's lookup, then go to fan-out.

They travel on the delivery queue as jobs of kind ``enrich`` (``jobs.enrichment``) and run in
the delivery worker beside the deliveries (``delivery.handle_messages`` hands them here).

Inbound waits only a second for 7stamp; an event it could not enrich is stored awaiting
enrichment, and fan-out queues an ``enrich`` job for it at once instead of its deliveries.
The job leaves the event's key with its customer (``ProfileCache.want``) and, when nobody
has booked the customer's lookup yet, books it at the key's next free second
(``lookups.book``: first come, first served, so in the order of need) and comes back on the
queue just before that second (``jobs.lookup``) to make it. The lookup that lands releases
every event waiting for the customer at once (``lookups.release_waiting``). Each waiting
job also comes back once the lookup it waits for should have landed, so an event is never
left behind by a lookup whose worker died: it then takes the lookup itself. ENRICH_BOUND
seconds after receipt an event is released whatever happened, ``enriched`` false. The
release is one conditional write that shows in the table's stream, which hands the event
to fan-out: subscribers and pollers see the same record, and an event is never delivered
before its enrichment was tried for the bounded time.
"""

from __future__ import annotations

import logging

from chalicelib.container import Services
from chalicelib.pipeline import customer_details, jobs, lookups
from chalicelib.store.events import received_at
from chalicelib.store.pace import Booking
from chalicelib.store.records import Connection, StoredEvent

log = logging.getLogger("connector.enrich_jobs")

ENRICH_BOUND = 120.0
RETRY_EVERY = 5  # seconds before an event tries again when 7stamp failed for now or no second of the budget was free
LEAD = 1.0  # a booked lookup's job comes back at least this long before its second (and sleeps the rest, under 2 s)


def run(services: Services, job: jobs.Job) -> None:
    """Wait for the event's customer (booking the lookup when nobody has), make a booked lookup, or release the event."""
    event = services.events.get(job.location_id, job.dedup_key)
    if event is None or not (event.awaiting or job.lookup_at):
        return  # expired, or released already (by its customer's lookup, or a repeated job): nothing more to read
    connection = services.locations.get(job.location_id)
    customer_id = customer_details.customer_id(event.record)
    if job.lookup_at and connection is not None and customer_id is not None:
        made, _ = lookups.run(services, connection, customer_id, Booking(job.lookup_at), services.clock.now() + LEAD + 1)
        if made is not lookups.Made.NOT_MADE:
            return  # the events that waited are released, this one among them (a lookup not made releases none)
    if not event.awaiting:
        return  # the lookup was another event's to redo
    bound_at = received_at(event.cursor) + ENRICH_BOUND
    usable = connection is not None and connection.key_blob is not None and not connection.key_dead
    if connection is None or customer_id is None or not usable or services.clock.now() >= bound_at:
        result = customer_details.from_cache(services, job.location_id, event.record, retry=False)
        lookups.release(services, job.location_id, job.dedup_key, event.record["id"], event.cursor, result)
        return
    _wait_for_customer(services, connection, job, event, customer_id, bound_at)


def _wait_for_customer(
    services: Services, connection: Connection, job: jobs.Job, event: StoredEvent, customer_id: str, bound_at: float
) -> None:
    """Leave the event with its customer; release it when the profile is in, else book the lookup or come back after it."""
    now = services.clock.now()
    wanted = services.profiles.want(job.location_id, customer_id, job.dedup_key, bound_at)
    seen = None
    if wanted.profile is not None:
        result = customer_details.from_cache(services, job.location_id, event.record, retry=False)
        if not result.enriched:  # the cached card is older than the event's (a goal reached since): wait for a later lookup
            seen = wanted.profile.fetched_at
            wanted = services.profiles.want(job.location_id, customer_id, job.dedup_key, bound_at, seen)
            if wanted.profile is not None:
                result = customer_details.outcome(event.record, wanted.profile, fetched=True, retry=False)
        if wanted.profile is not None:
            lookups.release(services, job.location_id, job.dedup_key, event.record["id"], event.cursor, result)
            return
    plain = jobs.lookup(job, 0)
    if wanted.lookup_at is not None and wanted.lookup_at >= now - lookups.LOOKUP_STALE:
        # another worker's lookup is booked: it releases this event when it lands; this job only checks that it did
        back = wanted.lookup_at + (lookups.LOOKUP_STALE if wanted.waiting else lookups.LOOKUP_SECONDS) + 1
        _come_back(services, plain, back - now, bound_at - now)
        return
    booking = lookups.book(services, connection, customer_id, bound_at, seen)
    if booking is None:
        _come_back(services, plain, RETRY_EVERY, bound_at - now)
        return
    now = services.clock.now()  # booking took a moment: the lookup's job comes back counted from now
    if booking.window - now <= LEAD + 1:
        made, _ = lookups.run(services, connection, customer_id, booking, bound_at)
        if made is lookups.Made.NOT_MADE:
            _come_back(services, plain, RETRY_EVERY, bound_at - now)
        return
    services.queue.send([jobs.lookup(job, booking.window)], delay=int(booking.window - now - LEAD))


def _come_back(services: Services, job: jobs.Job, seconds: float, left: float) -> None:
    """Queue the job again in ``seconds``, and no later than the event's bound (at least a second from now)."""
    services.queue.send([job], delay=int(max(1.0, min(seconds, left + 1))))
