"""The process's repositories and 7stamp clients, built from settings on first use.

One place decides which table each repository uses, so handlers and tests ask here
instead of constructing stores themselves.
"""

from __future__ import annotations

from functools import lru_cache

from chalicelib import pacing, settings
from chalicelib.sevenstamp import SevenStampClient
from chalicelib.store.deliveries import DeliveryStore
from chalicelib.store.events import EventStore
from chalicelib.store.idempotency import IdempotencyStore
from chalicelib.store.keys import KeyCache
from chalicelib.store.locations import Locations
from chalicelib.store.pace import PaceBook
from chalicelib.store.profiles import PROFILE_SECONDS, ProfileCache
from chalicelib.store.subscriptions import SubscriptionStore


@lru_cache(maxsize=1)
def key_cache() -> KeyCache:
    s = settings.get()
    return KeyCache(s.keys_table, s.key_cache_seconds)


@lru_cache(maxsize=1)
def locations() -> Locations:
    return Locations(settings.get().locations_table)


@lru_cache(maxsize=1)
def idempotency() -> IdempotencyStore:
    s = settings.get()
    return IdempotencyStore(s.idempotency_table, s.idempotency_hours)


@lru_cache(maxsize=1)
def events() -> EventStore:
    s = settings.get()
    return EventStore(s.events_table, s.event_retention_days)


@lru_cache(maxsize=1)
def subscriptions() -> SubscriptionStore:
    return SubscriptionStore(settings.get().subscriptions_table)


@lru_cache(maxsize=1)
def deliveries() -> DeliveryStore:
    return DeliveryStore(settings.get().deliveries_table)


@lru_cache(maxsize=1)
def profiles() -> ProfileCache:
    """The short customer cache of enrichment (in the keys table)."""
    return ProfileCache(settings.get().keys_table, PROFILE_SECONDS)


@lru_cache(maxsize=1)
def pacer() -> pacing.Pacer:
    """The pacing of enrichment's 7stamp calls: this worker's tier over the book shared by all workers (keys table)."""
    return pacing.Pacer(PaceBook(settings.get().keys_table, pacing.PER_SECOND), pacing.PER_SECOND)


def sevenstamp(api_key: str, *, deadline: float | None = None, max_attempts: int | None = None) -> SevenStampClient:
    """A client for one key; enrichment passes a short deadline and no retries."""
    kwargs: dict[str, float | int] = {}
    if deadline is not None:
        kwargs["deadline"] = deadline
    if max_attempts is not None:
        kwargs["max_attempts"] = max_attempts
    return SevenStampClient(settings.get().sevenstamp_api_url, api_key, **kwargs)  # type: ignore[arg-type]


def reset() -> None:
    """Forget everything built from settings (tests change the environment between runs)."""
    for factory in (key_cache, locations, idempotency, events, subscriptions, deliveries, profiles, pacer):
        factory.cache_clear()
    settings.get.cache_clear()
