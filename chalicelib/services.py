"""The process's repositories and 7stamp clients, built from settings on first use.

One place decides which table each repository uses, so handlers and tests ask here
instead of constructing stores themselves. The 7stamp connection pool is built here once
per process (per base URL); each caller gets a light per-key view of it.
"""

from __future__ import annotations

from functools import lru_cache

import httpx

from chalicelib import settings
from chalicelib import sevenstamp as sevenstamp_api
from chalicelib.sevenstamp import SevenStampClient
from chalicelib.store.deliveries import DeliveryStore
from chalicelib.store.events import EventStore
from chalicelib.store.idempotency import IdempotencyStore
from chalicelib.store.keys import KeyCache
from chalicelib.store.locations import Locations
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


@lru_cache(maxsize=4)
def sevenstamp_http(base_url: str) -> httpx.Client:
    """The process's one pool (and TLS context) for 7stamp at ``base_url``."""
    return sevenstamp_api.http_client(base_url)


def sevenstamp(api_key: str, *, deadline: float | None = None, max_attempts: int | None = None) -> SevenStampClient:
    """A client for one key over the shared pool; enrichment passes a short deadline and no retries."""
    return SevenStampClient(
        sevenstamp_http(settings.get().sevenstamp_api_url),
        api_key,
        deadline=sevenstamp_api.CALL_DEADLINE if deadline is None else deadline,
        max_attempts=sevenstamp_api.MAX_ATTEMPTS if max_attempts is None else max_attempts,
    )


def reset() -> None:
    """Forget everything built from settings (tests change the environment between runs)."""
    for factory in (key_cache, locations, idempotency, events, subscriptions, deliveries, sevenstamp_http):
        factory.cache_clear()
    settings.get.cache_clear()
