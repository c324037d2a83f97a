"""What enrichment adds to an event: the customer's email, phone, name and birthday and the card's progress, merged in.

Pure merging over a cached or just-fetched profile (``store/profiles``), shared by the
event that asks (``enrich``) and the lookup that releases the events waiting for it
(``lookups``). Progress only moves with stamps, and every stamp reaches the connector as
a ``stamp_added`` event carrying the card's new progress: that event takes its progress
from its own payload and writes it into the cache (``with_progress``), so the cached
progress stays current without asking 7stamp again; a goal reached since (the event's
goal index is not the cached one) makes it stale at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

from chalicelib.container import Services
from chalicelib.errors import UpstreamError
from chalicelib.store.profiles import CustomerProfile

log = logging.getLogger("connector.customer_details")

CUSTOMER_FIELDS = ("email", "phone", "name", "birthday")
ENRICHED_CARD_KEYS = ("stamps", "stamps_required", "template_id", "goal_index", "status", "wallet_url")
PROGRESS = ("stamps", "stamps_required")


@dataclass(frozen=True)
class Enrichment:
    """The payload with whatever could be merged; whether all of it is in; whether trying later could do better."""

    record: dict[str, Any]
    enriched: bool
    retry: bool


def part(payload: dict[str, Any], name: str) -> dict[str, Any] | None:
    value = payload.get(name)
    return value if isinstance(value, dict) else None


def text_id(part: dict[str, Any] | None) -> str | None:
    value = part.get("id") if part else None
    return value if isinstance(value, str) and 0 < len(value) <= 200 else None


def customer_id(payload: dict[str, Any]) -> str | None:
    """The id of the customer an event is about, when it names one usable as a key."""
    return text_id(part(payload, "customer"))


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


def with_progress(services: Services, profile: CustomerProfile, card: dict[str, Any] | None) -> CustomerProfile:
    """The profile with the progress an event carries, written to the cache when it is newer than the cached one."""
    card_id = text_id(card)
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
    customer, card = part(payload, "customer"), part(payload, "card")
    if profile is not None and customer is not None:
        record["customer"] = {**customer, **{k: profile.contact.get(k) for k in CUSTOMER_FIELDS}}
    if card is not None and card_details:
        record["card"] = {**{k: card_details[k] for k in ENRICHED_CARD_KEYS if k in card_details}, **card}
    return record


def outcome(payload: dict[str, Any], profile: CustomerProfile | None, fetched: bool, retry: bool) -> Enrichment:
    """Merge what there is; enriched when the contact fields and (for an event with a card) its progress are in.

    ``fetched``: the profile was just asked of 7stamp, so its cards are current whatever the event says.
    """
    card = part(payload, "card")
    card_id = text_id(card)
    details: dict[str, Any] | None = None
    if profile is not None and card is not None and card_id is not None:
        fresh = fetched or _card_current(profile, card, card_id)
        details = profile.cards.get(card_id) if fresh else None
    card_in = card_id is None or _has_progress(card) or details is not None  # a card without a usable id has nothing to look up
    done = profile is not None and card_in
    return Enrichment(_merge(payload, profile, details), done, retry and not done)


def profile_from(location_id: str, customer_id: str, customer: dict[str, Any], fetched_at: float) -> CustomerProfile:
    """The cache's profile of 7stamp's customer object (with all their cards)."""
    cards = {
        str(c["id"]): {k: c.get(k) for k in ENRICHED_CARD_KEYS} for c in customer.get("cards") or [] if isinstance(c, dict) and c.get("id")
    }
    contact = {k: customer.get(k) for k in CUSTOMER_FIELDS}
    return CustomerProfile(location_id, customer_id, contact, cards, fetched_at)


def cached(services: Services, location_id: str, customer_id: str) -> CustomerProfile | None:
    """The fresh cached profile, or None (also when the cache cannot be read: it is an optimisation, 7stamp is asked)."""
    try:
        return services.profiles.get(location_id, customer_id)
    except UpstreamError:
        return None


def from_cache(services: Services, location_id: str, payload: dict[str, Any], retry: bool) -> Enrichment:
    """The event merged with what the cache holds (its progress kept there when newer); no call to 7stamp."""
    customer = customer_id(payload)
    profile = cached(services, location_id, customer) if customer is not None else None
    if profile is not None:
        profile = with_progress(services, profile, part(payload, "card"))
    return outcome(payload, profile, fetched=False, retry=retry and customer is not None)
