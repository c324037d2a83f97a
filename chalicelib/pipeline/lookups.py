"""Customer lookups: once per customer across all workers, in order of need, every waiting event released when one lands.

A first-seen customer costs one paced 7stamp call (the customer, with all their cards).
Whoever first needs them reserves the next free second of the key's budget (``pacing``:
first come, first served, so lookups go out in the order of need) and takes the
customer's lookup for it with one conditional write (``ProfileCache.take_lookup``): a
second worker that needs the same customer finds it booked and makes no call. Events
stored awaiting the customer leave their key with it (``ProfileCache.want``); the lookup
that lands writes the profile and gets those keys back in the same write, then releases
each event at once (``release``), enriched. A lookup whose worker died goes stale
LOOKUP_STALE seconds after its second, and the next waiting event takes it.
"""

from __future__ import annotations

import hashlib
import logging
from enum import Enum

from chalicelib.container import Services
from chalicelib.errors import ConnectorError, NotFound, Unauthorized, UpstreamError
from chalicelib.pipeline import customer_details
from chalicelib.pipeline.customer_details import Enrichment
from chalicelib.sevenstamp import connect
from chalicelib.store.events import received_at
from chalicelib.store.pace import Booking
from chalicelib.store.profiles import CustomerProfile
from chalicelib.store.records import Connection

log = logging.getLogger("connector.lookups")

LOOKUP_SECONDS = 3.0  # the most one lookup's call may take
MOVES = 3  # the most times one lookup moves to a later second after missing its own
MOVE_WITHIN = 2.0  # a lookup that missed its second moves only to one this close (a further one is the next try's)
LOOKUP_STALE = 15.0  # a lookup this long past its second died with its worker: the next event that needs the customer takes it


class Made(Enum):
    """What became of a booked lookup."""

    LANDED = "landed"  # the profile is in; the waiting events are released enriched
    GONE = "gone"  # 7stamp has no such customer, or refused the key: the waiting events are released unenriched
    NOT_MADE = "not made"  # its second had passed, or 7stamp failed for now: the lookup is free for the next try


def bucket_of(api_key: str) -> str:
    """The pacing book's name for a key (never the key itself)."""
    return hashlib.sha256(api_key.encode()).hexdigest()[:32]


def book(services: Services, connection: Connection, customer_id: str, latest: float, seen: float | None = None) -> Booking | None:
    """Reserve the key's next free second that begins by ``latest`` and take the customer's lookup for it.

    None when there is no such second, no usable key, or another worker's lookup of the customer
    is booked (then the reserved second goes unused: pacing errs on the side of fewer calls).
    ``seen``: the fetch time of a cached profile too old for the event's card, when there is one.
    """
    api_key = connect.stored_key(services, connection)
    if api_key is None:
        return None
    booking = services.pacer.reserve(bucket_of(api_key), latest)
    if booking is None:
        return None
    stale = services.clock.now() - LOOKUP_STALE
    if not services.profiles.take_lookup(connection.location_id, customer_id, booking.window, stale, seen):
        return None
    return booking


def run(
    services: Services, connection: Connection, customer_id: str, booking: Booking, latest: float
) -> tuple[Made, CustomerProfile | None]:
    """Make the lookup booked for ``booking`` at its second; land it and release every event that waited for it.

    When its second has passed (the worker was slow to get there), it moves to a free second that begins
    by ``latest`` and within MOVE_WITHIN seconds, or is left for the next try.
    """
    location_id = connection.location_id
    try:
        api_key = connect.stored_key(services, connection)
        if api_key is None:
            return _gone(services, connection, customer_id, booking, "the location has no working key")
        for _ in range(MOVES):
            if services.pacer.wait_for(booking):
                break
            later = services.pacer.reserve(bucket_of(api_key), min(latest, services.clock.now() + MOVE_WITHIN))
            if later is None or not services.profiles.move_lookup(location_id, customer_id, booking.window, later.window):
                return _not_made(services, connection, customer_id, booking)
            booking = later
        else:
            return _not_made(services, connection, customer_id, booking)
        fetched_at = services.clock.now()
        client = services.sevenstamp(api_key, deadline=LOOKUP_SECONDS, max_attempts=1)
        found = client.get_customer(customer_id)
        if not isinstance(found, dict):
            raise UpstreamError("7stamp answered a customer that is not an object")
    except (NotFound, Unauthorized) as exc:
        if isinstance(exc, Unauthorized):
            connect.key_refused(services, connection)
        return _gone(services, connection, customer_id, booking, exc.message)
    except ConnectorError as exc:
        log.warning("a customer lookup failed for now: %s", exc.message)
        return _not_made(services, connection, customer_id, booking)
    profile = customer_details.profile_from(location_id, customer_id, found, fetched_at)
    waiting = services.profiles.land(profile)
    release_waiting(services, connection, waiting, profile)
    return Made.LANDED, profile


def _not_made(services: Services, connection: Connection, customer_id: str, booking: Booking) -> tuple[Made, None]:
    """Free the lookup for the next try: its second passed before it could start, or 7stamp failed for now."""
    services.profiles.drop_lookup(connection.location_id, customer_id, booking.window)
    return Made.NOT_MADE, None


def _gone(services: Services, connection: Connection, customer_id: str, booking: Booking, why: str) -> tuple[Made, None]:
    log.warning("customer %s cannot be looked up: %s", customer_id, why)
    waiting = services.profiles.give_up(connection.location_id, customer_id, booking.window)
    release_waiting(services, connection, waiting, None)
    return Made.GONE, None


def release_waiting(services: Services, connection: Connection, keys: list[str], profile: CustomerProfile | None) -> None:
    """Release the events that waited for a lookup, merged with its profile (unenriched when there is none)."""
    for key in keys:
        event = services.events.get(connection.location_id, key)
        if event is None or not event.awaiting:
            continue  # released already: its time was up, or an earlier lookup
        result = customer_details.outcome(event.record, profile, fetched=True, retry=False)
        release(services, connection.location_id, key, event.record["id"], event.cursor, result)


def release(services: Services, location_id: str, key: str, event_id: object, cursor: str, result: Enrichment) -> None:
    """Store an awaiting event's final record, enriched or not: the write hands it to fan-out."""
    if services.events.release(location_id, key, {**result.record, "id": event_id, "enriched": result.enriched}):
        waited = services.clock.now() - received_at(cursor)
        log.info("event %s released %s after %.1f s", event_id, "enriched" if result.enriched else "unenriched", waited)
