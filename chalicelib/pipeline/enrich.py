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
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from chalicelib.container import Services
from chalicelib.errors import ConnectorError, Forbidden, NotFound, Unauthorized, UpstreamError
from chalicelib.pipeline import jobs
from chalicelib.store.events import received_at
from chalicelib.store.profiles import CustomerProfile
from chalicelib.store.records import Connection, StoredEvent

log = logging.getLogger("connector.enrich")

CALL_SECONDS = 0.3  # the least time worth giving a call: a pacing slot later than the wait allows for it is not taken
CALL_DEADLINE = 3.0
CUSTOMER_FIELDS = ("email", "phone", "name", "birthday")
CARD_FIELDS = ("stamps", "stamps_required", "template_id", "goal_index", "status", "wallet_url")
PROGRESS = ("stamps", "stamps_required")
FAILED_PAUSE = 2  # seconds before a drain stopped by a failed lookup is taken up again
LOOK_AHEAD = 1.5  # a drainer books a call at most this far ahead: one booked long before may find the order empty, and go unused
POLL_SECONDS = 0.2  # how often a caller whose customer is being looked up elsewhere looks at the cache


@dataclass(frozen=True)
class Drained:
    """What a drain did: the customers it looked up (None: 7stamp does not know them), the order as last seen, and whether it
    stopped because 7stamp failed for now (the next drain then waits FAILED_PAUSE)."""

    landed: dict[str, CustomerProfile | None]
    order: list[str]
    failed: bool = False


class _Later(Exception):
    """A lookup failed for now; its customer is back at the end of the order (``order``, as it is after that)."""

    def __init__(self, order: list[str]) -> None:
        super().__init__("later")
        self.order = order


@dataclass(frozen=True)
class Enrichment:
    """The payload with whatever could be merged; whether all of it is in; whether trying later could do better."""

    record: dict[str, Any]
    enriched: bool
    retry: bool


def _api_key(services: Services, connection: Connection) -> str | None:
    """The location's key, decrypted (the vault keeps it a few minutes, to spare KMS a call per event)."""
    return services.key_vault.decrypt(connection.key_blob, connection.location_id) if connection.key_blob else None


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
        record["card"] = {**{k: card_details[k] for k in CARD_FIELDS if k in card_details}, **card}
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
    cards = {str(c["id"]): {k: c.get(k) for k in CARD_FIELDS} for c in customer.get("cards") or [] if isinstance(c, dict) and c.get("id")}
    contact = {k: customer.get(k) for k in CUSTOMER_FIELDS}
    return CustomerProfile(location_id, customer_id, contact, cards, fetched_at)


def _cached(services: Services, location_id: str, customer_id: str) -> CustomerProfile | None:
    try:
        return services.profiles.get(location_id, customer_id)
    except UpstreamError:
        return None  # the cache is an optimisation: without it, 7stamp is asked


def enrich(services: Services, connection: Connection, payload: dict[str, Any], *, wait: float, key: str | None = None) -> Enrichment:
    """Merge the customer's and card's details into the payload, spending at most ``wait`` seconds (0: cache and payload only).

    A customer that is not cached is wanted (``need``; ``key``, the event's dedup key, is
    noted when the event will be stored awaiting, so the lookup releases it). The first
    need of a customer (or a caller without a key) then takes the lookups due while the
    wait lasts, in order, at the budget's pace (``drain``), until its own customer is
    known; a later need with a key returns at once, its event released by the lookup.
    """
    customer_id = customer_of(payload)
    if customer_id is None:
        return Enrichment(payload, False, False)
    location_id = connection.location_id
    deadline = services.clock.now() + wait
    cached = _cached(services, location_id, customer_id)
    if cached is not None:
        cached = _with_progress(services, cached, _part(payload, "card"))
    known = _outcome(payload, cached, fetched=False, retry=True)
    if known.enriched or wait <= CALL_SECONDS:
        return known
    try:
        order = need(services, connection, customer_id, key)
        if order is None and key is not None:
            return known  # its customer is wanted already: the lookup releases this event when it lands, nobody waits for it
        starter = order is not None and order == [customer_id]

        def done(landed: dict[str, CustomerProfile | None]) -> bool:
            return customer_id in landed or _outcome(payload, _cached(services, location_id, customer_id), False, True).enriched

        drained = drain(services, connection, deadline, order, done, key)
        landed = drained.landed
        if starter and drained.order:
            start_drain(services, location_id, drained.failed)  # this caller found the order empty: the rest is its to hand on
    except UpstreamError as exc:
        log.warning("enrichment of a %s event waits: %s", payload.get("event"), exc.message)
        return known
    if customer_id in landed:
        profile = landed[customer_id]
        return _outcome(payload, profile, fetched=True, retry=False) if profile else Enrichment(known.record, False, False)
    return _outcome(payload, _cached(services, location_id, customer_id), fetched=False, retry=True)


def customer_of(payload: dict[str, Any]) -> str | None:
    """The customer id an event names, if it names one usable."""
    return _text_id(_part(payload, "customer"))


def need(services: Services, connection: Connection, customer_id: str, key: str | None) -> list[str] | None:
    """Note the need (and the waiting event's key); the first need puts the customer in the order, and gets the order back."""
    location_id = connection.location_id
    if services.wanted.want(location_id, customer_id, key) is not None:
        return None
    return services.wanted.append(location_id, customer_id)


def start_drain(services: Services, location_id: str, after_failure: bool = False) -> None:
    """Queue a drain job: it takes the location's wanted customers in order for a while, then hands on to another."""
    services.enrich_queue.send([jobs.Job(location_id, "", "", [], kind=jobs.DRAIN)], delay=FAILED_PAUSE if after_failure else 0)


def drain(
    services: Services,
    connection: Connection,
    until: float,
    order: list[str] | None,
    done: Callable[[dict[str, CustomerProfile | None]], bool] | None = None,
    own_key: str | None = None,
) -> Drained:
    """Look up the wanted customers from the head of the order, one per pacing slot, until ``until``, ``done`` or none is left.

    ``order`` is the order as last seen (None: read it); ``own_key`` is the caller's own
    event, which it stores itself. Returns the customers this caller
    looked up (None for one 7stamp does not know) and the order as last seen. Every
    lookup releases the stored events waiting for its customer at once.
    """
    location_id = connection.location_id
    landed: dict[str, CustomerProfile | None] = {}
    api_key = _api_key(services, connection)
    if api_key is None:
        return Drained(landed, order or [])
    bucket = hashlib.sha256(api_key.encode()).hexdigest()[:32]
    slot = changed = False
    while not (changed and done is not None and done(landed)):
        latest = until - CALL_SECONDS
        if services.clock.now() >= latest:
            break
        if order is None:
            order, _ = services.wanted.state(location_id)
        if not order:
            if done is None:
                break
            time.sleep(min(POLL_SECONDS, max(0.0, latest - services.clock.now())))  # our customer's lookup is under way elsewhere
            order, changed = None, True
            continue
        if not slot:
            ahead = services.clock.now() + LOOK_AHEAD
            if not services.pacer.acquire(bucket, min(latest, ahead)):
                if latest <= ahead:
                    break
                time.sleep(POLL_SECONDS)  # the budget is taken for the next second: ask again for a later call
                continue
            slot = True
        head = order[0]
        taken, order = services.wanted.pop(location_id, head)
        if taken:
            slot, changed = False, True
            try:
                landed[head] = _land(services, connection, api_key, head, until, own_key)
            except _Later as later:
                return Drained(landed, later.order, failed=True)  # 7stamp is slow, down or throttling: this caller stops
    return Drained(landed, order or [])


def _land(
    services: Services, connection: Connection, api_key: str, customer_id: str, until: float, own_key: str | None
) -> CustomerProfile | None:
    """One lookup taken from the order: made, cached, and every event waiting for the customer released.

    A customer 7stamp does not know (or will not show) releases its events unenriched; a
    call that failed for now puts the customer back at the end of the order.
    """
    location_id = connection.location_id
    fetched_at = services.clock.now()
    try:
        with services.sevenstamp(api_key, deadline=max(CALL_SECONDS, min(CALL_DEADLINE, until - fetched_at)), max_attempts=1) as client:
            found = client.get_customer(customer_id)
        if not isinstance(found, dict):
            raise UpstreamError("7stamp answered a customer that is not an object")
        profile: CustomerProfile | None = _profile_from(location_id, customer_id, found, fetched_at)
    except (NotFound, Forbidden, Unauthorized) as exc:
        log.warning("customer %s cannot be looked up: %s", customer_id, exc.message)
        profile = None
    except ConnectorError as exc:
        log.warning("the lookup of a customer failed for now: %s", exc.message)
        raise _Later(services.wanted.append(location_id, customer_id)) from exc
    if profile is not None:
        try:
            services.profiles.put(profile)
        except UpstreamError:
            log.warning("the customer cache is unavailable; the next event of this customer asks 7stamp again")
    waiting = [k for k in services.wanted.collect(location_id, customer_id) if k != own_key]
    _release_waiting(services, location_id, waiting, profile)
    return profile


def _release_waiting(services: Services, location_id: str, keys: list[str], profile: CustomerProfile | None) -> None:
    """Release the stored events the lookup was waited for.

    One noted but not stored yet is most often stored enriched by its own inbound, which
    is finishing (it finds the customer cached); for the rare one stored awaiting just after
    this, an enrich job looks again a second later.
    """
    unstored = []
    for key in keys:
        event = services.events.get(location_id, key)
        if event is None:
            unstored.append(jobs.Job(location_id, key, "", [], kind=jobs.ENRICH))
        elif event.awaiting:
            release(
                services,
                event,
                _outcome(event.record, profile, fetched=True, retry=False) if profile else Enrichment(event.record, False, False),
            )
    if unstored:
        services.enrich_queue.send(unstored, delay=1)


def release(services: Services, event: StoredEvent, result: Enrichment) -> bool:
    """Store the event's final record (enriched or not), which hands it to fan-out; False when it was released before."""
    record = {**result.record, "id": event.record["id"], "enriched": result.enriched}
    if not services.events.release(event.location_id, event.dedup_key, record):
        return False
    waited = services.clock.now() - received_at(event.cursor)
    log.info("event %s released %s after %.1f s", event.record.get("id"), "enriched" if result.enriched else "unenriched", waited)
    return True
