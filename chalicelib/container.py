"""The services of one process, built in one place from settings and passed to what uses them.

app.py builds one set at cold start and hands it to the routes and event handlers; a test,
the local stack or a benchmark builds a fresh set with one call (``build``), so nothing
is cached behind a module's back and nothing needs resetting. The set decides which table
each repository uses; boto3 clients and the HTTP pools are made on first use, so building
it costs no import and no connection.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property

import httpx

from chalicelib.aws import AwsClients
from chalicelib.clock import Clock
from chalicelib.pipeline import breaker
from chalicelib.pipeline.jobs import DeliveryQueue
from chalicelib.security import address_guard
from chalicelib.security.key_vault import KeyVault
from chalicelib.settings import Settings, load
from chalicelib.sevenstamp import client as sevenstamp_api
from chalicelib.sevenstamp import pacing
from chalicelib.sevenstamp.client import SevenStampClient
from chalicelib.store import Dynamo
from chalicelib.store.deliveries import DeliveryStore
from chalicelib.store.delivery_log import DeliveryLog
from chalicelib.store.events import EventStore
from chalicelib.store.idempotency import IdempotencyStore
from chalicelib.store.keys import KeyCache
from chalicelib.store.locations import Locations
from chalicelib.store.pace import PaceBook
from chalicelib.store.profiles import PROFILE_SECONDS, ProfileCache
from chalicelib.store.rate_windows import RateWindows
from chalicelib.store.subscriptions import SubscriptionStore


@dataclass(frozen=True)
class Services:
    """Settings, clock, AWS clients, repositories, the delivery queue, the key vault and the outbound HTTP pools."""

    settings: Settings
    clock: Clock
    aws: AwsClients
    locations: Locations
    key_cache: KeyCache
    idempotency: IdempotencyStore
    events: EventStore
    subscriptions: SubscriptionStore
    deliveries: DeliveryStore
    delivery_log: DeliveryLog
    profiles: ProfileCache  # the short customer cache of enrichment (in the keys table)
    rates: RateWindows  # fixed-window limits shared by all workers (keys table): test deliveries per target host
    pacer: pacing.Pacer  # reserves enrichment's 7stamp calls in the book all workers share (keys table)
    queue: DeliveryQueue
    key_vault: KeyVault

    @cached_property
    def sevenstamp_http(self) -> httpx.Client:
        """The one pool (and TLS context) for 7stamp; each caller gets a light per-key view of it (``sevenstamp``)."""
        return sevenstamp_api.http_client(self.settings.sevenstamp_api_url)

    @cached_property
    def subscriber_http(self) -> httpx.Client:
        """The one client for every delivery (address_guard.client): one TLS context, connections pooled per host, not per POST."""
        return address_guard.client()

    @cached_property
    def delivery_gate(self) -> breaker.Gate:
        """This process's cap on attempts to one subscription at once (shared by every batch the process runs)."""
        return breaker.Gate()

    def sevenstamp(self, api_key: str, *, deadline: float | None = None, max_attempts: int | None = None) -> SevenStampClient:
        """A client for one key over the shared pool; enrichment passes a short deadline and no retries."""
        return SevenStampClient(
            self.sevenstamp_http,
            api_key,
            deadline=sevenstamp_api.CALL_DEADLINE if deadline is None else deadline,
            max_attempts=sevenstamp_api.MAX_ATTEMPTS if max_attempts is None else max_attempts,
        )


def build(settings: Settings, clock: Clock | None = None) -> Services:
    """A fresh set of services for ``settings`` (a test passes a clock it can move)."""
    clock = clock or Clock()
    clients = AwsClients()
    db = Dynamo(clients)
    s = settings
    return Services(
        settings=s,
        clock=clock,
        aws=clients,
        locations=Locations(db, clock, s.locations_table),
        key_cache=KeyCache(db, clock, s.keys_table, s.key_cache_seconds),
        idempotency=IdempotencyStore(db, clock, s.idempotency_table, s.idempotency_hours),
        events=EventStore(db, clock, s.events_table, s.event_retention_days),
        subscriptions=SubscriptionStore(db, clock, s.subscriptions_table),
        deliveries=DeliveryStore(db, clock, s.deliveries_table),
        delivery_log=DeliveryLog(db, clock, s.deliveries_table),
        profiles=ProfileCache(db, clock, s.keys_table, PROFILE_SECONDS),
        rates=RateWindows(db, clock, s.keys_table),
        pacer=pacing.Pacer(PaceBook(db, clock, s.keys_table, pacing.PER_SECOND), clock),
        queue=DeliveryQueue(clients, s),
        key_vault=KeyVault(clients, s.kms_key_id),
    )


def from_environment(clock: Clock | None = None) -> Services:
    """A fresh set for the environment as it is now (the local stack, a test or a benchmark after setting it)."""
    return build(load(os.environ), clock)
