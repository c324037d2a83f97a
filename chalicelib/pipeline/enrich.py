"""Enrichment: the customer's email, phone, name and birthday and the card's progress, merged into an event.

Within 7stamp's budget: the connector's own calls are paced per key across all of its
workers (``pacing`` over the shared book in ``store/pace``) to ``pacing.PER_SECOND``, half
of the 10 requests per second 7stamp allows a key, so 7stamp never has to throttle it and
the other half stays free for the merchant's own systems. One call (the customer, which
comes with all of their cards) fills the customer cache (``store/profiles``) for
``profiles.PROFILE_SECONDS``. Progress only moves with stamps, and every stamp reaches the
connector as a ``stamp_added`` event carrying the card's new progress: that event takes
its progress from its own payload and writes it into the cache, so the cached progress
stays current without asking 7stamp again; a goal reached since (the event's goal index
is not the cached one) makes it stale at once. An event that cannot be enriched within
``wait`` says whether trying again later is worth it (``retry``).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass, replace
from typing import Any

from chalicelib.container import Services
from chalicelib.errors import ConnectorError, NotFound, Unauthorized, UpstreamError
from chalicelib.sevenstamp import connect
from chalicelib.store.profiles import CustomerProfile
from chalicelib.store.records import Connection

log = logging.getLogger("connector.enrich")

CALL_SECONDS = 0.3  # the least time worth giving a call: a pacing slot later than the wait allows for it is not taken
ENRICH_CALL_DEADLINE = 3.0
CUSTOMER_FIELDS = ("email", "phone", "name", "birthday")
ENRICHED_CARD_KEYS = ("stamps", "stamps_required", "template_id", "goal_index", "status", "wallet_url")
PROGRESS = ("stamps", "stamps_required")
_flights: dict[tuple[str, str], threading.Event] = {}  # customers being fetched by this worker
_lock = threading.Lock()


@dataclass(frozen=True)
class Enrichment:
    """The payload with whatever could be merged; whether all of it is in; whether trying later could do better."""

    record: dict[str, Any]
    enriched: bool
    retry: bool


def _api_key(services: Services, connection: Connection) -> str | None:
    """The location's key, decrypted (the vault keeps it a few minutes); None once 7stamp refused it: no call is made."""
    return connect.stored_key(services, connection)


def _part(payload: dict[str, Any], name: str) -> dict[str, Any] | None:
    value = payload.get(name)
    return value if isinstance(value, dict) else None


def _text_id(part: dict[str, Any] | None) -> str | None:
    value = part.get("id") if part else None
    return value if isinstance(value, str) and 0 < len(value) <= 200 else None


def _has_progress(card: dict[str, Any] | None) -> bool:
    return card is not None and all(type(card.get(k)) is int for k in PROGRESS)


def _card_current(profile: CustomerProfile, card: dict[str, Any], card_id: str) -> bool:
    """The cached card describes the card as the event knows it: no goal reached since it was cached."""
    cached = profile.cards.get(card_id)
    return cached is not None and ("goal_index" not in card or cached.get("goal_index") == card["goal_index"])


def _position(card: dict[str, Any]) -> tuple[int, int]:
    """How far a card has come: goals completed, then stamps toward the next (both only grow)."""
    goal, stamps = card.get("goal_index"), card.get("stamps")
    return (goal if type(goal) is int else 0, stamps if type(stamps) is int else -1)


def _with_progress(services: Services, profile: CustomerProfile, card: dict[str, Any] | None) -> CustomerProfile:
    """The profile with the progress an event carries, written to the cache when it is newer than the cached one."""
    card_id = _text_id(card)
    if card is None or card_id is None or not _has_progress(card):
        return profile
    current = profile.cards.get(card_id) or {}
    progress = {k: card[k] for k in (*PROGRESS, "goal_index") if k in card}
    if current and _position({**current, **progress}) <= _position(current):
        return profile
    updated = replace(profile, cards={**profile.cards, card_id: {**current, **progress}})
    try:
        services.profiles.put(updated)
    except UpstreamError:
        log.warning("the customer cache is unavailable; a card's progress is not kept")
    return updated


def _merge(payload: dict[str, Any], profile: CustomerProfile | None, card_details: dict[str, Any] | None) -> dict[str, Any]:
    """The payload with the profile's contact fields and the card's details; the payload's own values win on the card."""
    record = dict(payload)
    customer, card = _part(payload, "customer"), _part(payload, "card")
    if profile is not None and customer is not None:
        record["customer"] = {**customer, **{k: profile.contact.get(k) for k in CUSTOMER_FIELDS}}
    if card is not None and card_details:
        record["card"] = {**{k: card_details[k] for k in ENRICHED_CARD_KEYS if k in card_details}, **card}
    return record


def _outcome(payload: dict[str, Any], profile: CustomerProfile | None, fetched: bool, retry: bool) -> Enrichment:
    """Merge what there is; enriched when the contact fields and (for an event with a card) its progress are in."""
    card = _part(payload, "card")
    card_id = _text_id(card)
    details: dict[str, Any] | None = None
    if profile is not None and card is not None and card_id is not None:
        fresh = fetched or _card_current(profile, card, card_id)
        details = profile.cards.get(card_id) if fresh else None
    card_in = card_id is None or _has_progress(card) or details is not None  # a card without a usable id has nothing to look up
    done = profile is not None and card_in
    return Enrichment(_merge(payload, profile, details), done, retry and not done)


def _profile_from(location_id: str, customer_id: str, customer: dict[str, Any], fetched_at: float) -> CustomerProfile:
    cards = {
        str(c["id"]): {k: c.get(k) for k in ENRICHED_CARD_KEYS} for c in customer.get("cards") or [] if isinstance(c, dict) and c.get("id")
    }
    contact = {k: customer.get(k) for k in CUSTOMER_FIELDS}
    return CustomerProfile(location_id, customer_id, contact, cards, fetched_at)


def _cached(services: Services, location_id: str, customer_id: str) -> CustomerProfile | None:
    try:
        return services.profiles.get(location_id, customer_id)
    except UpstreamError:
        return None  # the cache is an optimisation: without it, 7stamp is asked


def _join(flight: tuple[str, str]) -> tuple[threading.Event, bool]:
    """The worker's fetch of this customer already under way (False), or a new one this thread leads (True)."""
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

    Threads of one worker that need the same customer at once share one 7stamp call: a
    campaign sends several events per customer in a burst.
    """
    customer_id = _text_id(_part(payload, "customer"))
    if customer_id is None:
        return Enrichment(payload, False, False)
    location_id = connection.location_id
    deadline = services.clock.now() + wait
    cached = _cached(services, location_id, customer_id)
    if cached is not None:
        cached = _with_progress(services, cached, _part(payload, "card"))
    known = _outcome(payload, cached, fetched=False, retry=not connection.key_dead)
    if connection.key_dead:
        return known  # 7stamp refused the stored key: no call is made with it, and no later try waits for one
    if known.enriched or wait <= CALL_SECONDS:
        return known
    flight = (location_id, customer_id)
    landed, leading = _join(flight)
    if not leading:
        landed.wait(max(0.0, deadline - services.clock.now()))
        return _outcome(payload, _cached(services, location_id, customer_id), fetched=False, retry=True)
    try:
        return _fetch(services, connection, payload, customer_id, deadline, known)
    finally:
        _land(flight, landed)


def _fetch(
    services: Services, connection: Connection, payload: dict[str, Any], customer_id: str, deadline: float, known: Enrichment
) -> Enrichment:
    """One paced 7stamp call for the customer (with all their cards), cached, merged."""
    try:
        api_key = _api_key(services, connection)
        if api_key is None:
            return Enrichment(known.record, False, False)
        bucket = hashlib.sha256(api_key.encode()).hexdigest()[:32]
        if not services.pacer.acquire(bucket, deadline - CALL_SECONDS):
            return known
        fetched_at = services.clock.now()
        client = services.sevenstamp(api_key, deadline=min(ENRICH_CALL_DEADLINE, deadline - fetched_at), max_attempts=1)
        found = client.get_customer(customer_id)
        if not isinstance(found, dict):
            raise UpstreamError("7stamp answered a customer that is not an object")
    except (NotFound, Unauthorized) as exc:
        if isinstance(exc, Unauthorized):
            connect.key_refused(services, connection)
        log.warning("a %s event cannot be enriched: %s", payload.get("event"), exc.message)
        return Enrichment(known.record, False, False)
    except ConnectorError as exc:
        log.warning("enrichment of a %s event failed for now: %s", payload.get("event"), exc.message)
        return known
    profile = _profile_from(connection.location_id, customer_id, found, fetched_at)
    try:
        services.profiles.put(profile)
    except UpstreamError:
        log.warning("the customer cache is unavailable; the next event of this customer asks 7stamp again")
    return _outcome(payload, profile, fetched=True, retry=False)
