"""The neutral record types that cross the storage boundary."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


@dataclass(frozen=True)
class Tenant:
    """The location a key belongs to: every route's scope."""

    location_id: str
    location_name: str
    business_id: str
    business_name: str
    staff_login: str


class ConnectionStatus(StrEnum):
    CONNECTING = "connecting"
    CONNECTED = "connected"


@dataclass(frozen=True)
class Connection:
    """A location's link with 7stamp: the inbound token and 7stamp's signing secret.

    ``key_dead_at``: when 7stamp last refused the stored key (no call is made with it until a working key replaces it,
    at ``key_replaced_at``);
    ``key_hashes``: the keys of this location that the key cache may hold, forgotten when the stored key dies;
    ``registration_missing_at`` / ``registration_restored_at``: the last time 7stamp's webhook registration was found
    gone, and when it was registered again.
    """

    location_id: str
    token: str
    status: ConnectionStatus
    secret: str | None = None
    webhook_id: str | None = None
    key_blob: bytes | None = None
    key_dead_at: float | None = None
    key_replaced_at: float | None = None
    key_hashes: frozenset[str] = frozenset()
    registration_missing_at: float | None = None
    registration_restored_at: float | None = None
    scheduled: bool = False  # enrolled in the hourly registration check

    @property
    def key_dead(self) -> bool:
        """7stamp refused the stored key and no working key has replaced it since."""
        return self.key_dead_at is not None and (self.key_replaced_at is None or self.key_replaced_at < self.key_dead_at)


@dataclass(frozen=True)
class Subscription:
    """A REST-hook subscription of one tenant."""

    id: str
    location_id: str
    event: str
    target_url: str
    filters: dict[str, list[str]]
    secret: str
    created_at: str
    disabled: bool = False
    failing_since: float | None = None
    disabled_at: float | None = None
    disabled_reason: str | None = None
    strikes: int = 0  # failed attempts since the last delivered one (the breaker, pipeline/breaker.py)
    last_failed_at: float | None = None
    hung_at: float | None = None  # when one of those attempts timed out
    probe_until: float | None = None  # while a worker's probe of a held endpoint runs


@dataclass(frozen=True)
class StoredEvent:
    """An event record with where it sits in the store (``cursor`` orders by receipt).

    ``text`` is the record as stored (what subscribers and pollers get, byte for byte);
    ``awaiting`` marks an event stored before its enrichment, not yet handed to fan-out;
    ``moved`` marks the image of the write that gave an event which landed late a fresh cursor
    (its deliveries were queued by its first image already).
    """

    record: dict[str, Any]
    dedup_key: str
    cursor: str
    text: str = ""
    awaiting: bool = False
    moved: bool = False

    @property
    def location_id(self) -> str:
        return str(self.record["location_id"])

    @property
    def name(self) -> str:
        return str(self.record["event"])


@dataclass(frozen=True)
class EventText:
    """A stored event as its stored JSON text, for polling: served as it is, never decoded and encoded again."""

    cursor: str
    text: str
    awaiting: bool

    def record(self) -> dict[str, Any] | None:
        """The stored record, or None for a text that cannot be decoded (however deep): one odd record fails nothing."""
        try:
            record = json.loads(self.text)
        except (ValueError, RecursionError):
            return None
        return record if isinstance(record, dict) else None


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    GONE = "gone"  # the subscriber answered 410 and was unsubscribed


@dataclass(frozen=True)
class Attempt:
    """One POST to a subscriber: when, its answer's status (or why there was none), how long it took, what it said."""

    at: float
    status_code: int | None
    error: str | None
    latency_ms: float | None = None
    answer: str | None = None  # the first ANSWER_KEPT characters of the body, as text


@dataclass(frozen=True)
class DeliveryRecord:
    """One event to one subscription, with its attempts so far."""

    subscription_id: str
    location_id: str
    event_dedup_key: str
    event_cursor: str
    event_id: str
    event: str
    status: DeliveryStatus
    attempts: int
    next_at: float
    attempts_log: tuple[Attempt, ...] = field(default=())
    lease_until: float | None = None
    test: bool = False  # a test event from the console (POST /v1/hooks/{id}/test): logged, never retried or replayed
