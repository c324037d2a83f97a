"""Enrichment of one event now, within a wait: from the customer cache, or with a lookup whose second comes in time.

Inbound gives an event ENRICH_WAIT_INBOUND: a customer in the cache (``store/profiles``)
costs no call; a first-seen one is looked up (``lookups``: once across workers, at a
second of the key's budget, half of the 10 requests per second 7stamp allows a key) when
the budget has a second free before the wait is over. Otherwise the event is stored
awaiting enrichment and an enrich job (``enrich_jobs``) waits for the customer's lookup in
the order of need. Threads of one worker that need the same customer at once share one
lookup: a campaign sends several events per customer in a burst.
"""

from __future__ import annotations

import threading
from typing import Any

from chalicelib.container import Services
from chalicelib.errors import UpstreamError
from chalicelib.pipeline import customer_details, lookups
from chalicelib.pipeline.customer_details import Enrichment
from chalicelib.store.profiles import Wanted
from chalicelib.store.records import Connection

CALL_SECONDS = 0.3  # the least time worth giving a call: a second of the budget later than the wait allows for it is not taken
_flights: dict[tuple[str, str], threading.Event] = {}  # customers this worker is looking up for a waiting caller
_lock = threading.Lock()


def _join(flight: tuple[str, str]) -> tuple[threading.Event, bool]:
    """The worker's lookup of this customer already under way (False), or a new one this thread leads (True)."""
    with _lock:
        landed = _flights.get(flight)
        if landed is not None:
            return landed, False
        landed = _flights[flight] = threading.Event()
        return landed, True


def _land(flight: tuple[str, str], landed: threading.Event) -> None:
    with _lock:
        _flights.pop(flight, None)
    landed.set()


def enrich(services: Services, connection: Connection, payload: dict[str, Any], *, wait: float) -> Enrichment:
    """Merge the customer's and card's details into the payload, spending at most ``wait`` seconds (0: cache and payload only).

    ``retry`` in the answer: an enrich job could still do better (the customer is not known
    yet, and 7stamp may still be asked).
    """
    customer_id = customer_details.customer_id(payload)
    if customer_id is None:
        return Enrichment(payload, False, False)
    location_id = connection.location_id
    deadline = services.clock.now() + wait
    can_ask = connection.key_blob is not None and not connection.key_dead  # a dead key: no call is made with it, nor waited for
    try:
        state = services.profiles.look(location_id, customer_id)
    except UpstreamError:
        state = Wanted(None, None, False)  # the cache is an optimisation: without it, 7stamp is asked
    profile = state.profile
    if profile is not None:
        profile = customer_details.with_progress(services, profile, customer_details.part(payload, "card"))
    known = customer_details.outcome(payload, profile, fetched=False, retry=can_ask)
    if not can_ask or known.enriched or wait <= CALL_SECONDS:
        return known
    flight = (location_id, customer_id)
    landed, leading = _join(flight)
    if not leading:
        landed.wait(max(0.0, deadline - services.clock.now()))
        return customer_details.outcome(payload, customer_details.cached(services, location_id, customer_id), fetched=False, retry=True)
    try:
        if state.lookup_at is not None and state.lookup_at >= services.clock.now() - lookups.LOOKUP_STALE:
            return known  # another worker's lookup of the customer is booked: the event's enrich job waits for it
        seen = profile.fetched_at if profile is not None else None  # a profile too old for the card: only a later one will do
        booking = lookups.book(services, connection, customer_id, deadline - CALL_SECONDS, seen)
        if booking is None:
            return known  # no second free in time, or another worker's lookup is booked: an enrich job waits for it
        made, fetched = lookups.run(services, connection, customer_id, booking, deadline - CALL_SECONDS)
    finally:
        _land(flight, landed)
    if made is lookups.Made.LANDED:
        return customer_details.outcome(payload, fetched, fetched=True, retry=False)
    return Enrichment(known.record, False, made is lookups.Made.NOT_MADE)
