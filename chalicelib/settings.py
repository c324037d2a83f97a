"""Every setting the connector reads from its environment, read in one place.

A missing or bad value fails at start (``SettingsError`` names the variable), so a
misconfigured stage never half-works.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from chalicelib.errors import SettingsError

_REGION_RE = re.compile(r"^[A-Z]{2}$")
_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,100}$")


@dataclass(frozen=True)
class Settings:
    """The connector's configuration; names of the environment variables in comments."""

    sevenstamp_api_url: str  # SEVENSTAMP_API_URL
    public_url: str  # CONNECTOR_PUBLIC_URL
    inbound_url: str  # CONNECTOR_INBOUND_URL: where 7stamp sends webhooks (the inbound function's URL on AWS); default public_url
    connector_port: int  # CONNECTOR_PORT
    sandbox_port: int  # SANDBOX_PORT
    moto_port: int  # MOTO_PORT
    allow_private_targets: bool  # CONNECTOR_ALLOW_PRIVATE_TARGETS
    locations_table: str  # LOCATIONS_TABLE
    keys_table: str  # KEYS_TABLE
    idempotency_table: str  # IDEMPOTENCY_TABLE
    events_table: str  # EVENTS_TABLE
    subscriptions_table: str  # SUBSCRIPTIONS_TABLE
    deliveries_table: str  # DELIVERIES_TABLE
    delivery_queue_url: str  # DELIVERY_QUEUE_URL ("" means: look it up by name)
    delivery_queue_name: str  # DELIVERY_QUEUE_NAME
    lookup_queue_url: str  # LOOKUP_QUEUE_URL: customer lookups booked for a second ("": they share the delivery queue)
    parked_queue_url: str  # PARKED_QUEUE_URL: stream records fan-out gave up on ("" when not deployed)
    kms_key_id: str  # KMS_KEY_ID (an id, ARN or alias)
    event_retention_days: int  # EVENT_RETENTION_DAYS
    idempotency_hours: int  # IDEMPOTENCY_HOURS
    key_cache_seconds: int  # KEY_CACHE_SECONDS
    delivery_concurrency: int  # DELIVERY_CONCURRENCY
    delivery_timeout_seconds: float  # DELIVERY_TIMEOUT_SECONDS
    default_phone_region: str  # DEFAULT_PHONE_REGION
    allowed_locations: frozenset[str]  # CONNECTOR_ALLOWED_LOCATIONS: comma-separated 7stamp location ids; empty = every location
    allowed_businesses: frozenset[str]  # CONNECTOR_ALLOWED_BUSINESSES: comma-separated business ids; empty = every business


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _url(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name, "").strip() or default
    if not re.match(r"^https?://[^/\s]+", value):
        raise SettingsError(f"{name} must be an http(s) URL, got {value!r}")
    return value.rstrip("/")


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no"):
        return False
    if raw in ("1", "true", "yes"):
        return True
    raise SettingsError(f"{name} must be 1 or 0, got {raw!r}")


def _ids(env: Mapping[str, str], name: str) -> frozenset[str]:
    """A comma-separated list of 7stamp ids (``loc_45, loc_46``); unset or empty is the empty set."""
    ids = frozenset(part.strip() for part in env.get(name, "").split(",") if part.strip())
    bad = sorted(i for i in ids if not _ID_RE.match(i))
    if bad:
        raise SettingsError(f"{name} must be comma-separated 7stamp ids (letters, digits, _ or -), got {bad[0]!r}")
    return ids


def _name(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name, "").strip() or default
    if not re.match(r"^[A-Za-z0-9_.:/\-]{1,255}$", value):
        raise SettingsError(f"{name} is not a valid AWS resource name: {value!r}")
    return value


def load(env: Mapping[str, str]) -> Settings:
    """Build settings from an environment mapping; raises SettingsError naming the bad variable."""
    connector_port = _int(env, "CONNECTOR_PORT", 8000, 1, 65535)
    sandbox_port = _int(env, "SANDBOX_PORT", 8001, 1, 65535)
    region = env.get("DEFAULT_PHONE_REGION", "").strip().upper() or "US"
    if not _REGION_RE.match(region):
        raise SettingsError(f"DEFAULT_PHONE_REGION must be a two-letter country code, got {region!r}")
    allow_private = _flag(env, "CONNECTOR_ALLOW_PRIVATE_TARGETS")
    if allow_private and env.get("AWS_LAMBDA_FUNCTION_NAME"):
        raise SettingsError("CONNECTOR_ALLOW_PRIVATE_TARGETS is for local development only and may not be set on AWS Lambda")
    prefix = "7stamp-connector"
    public_url = _url(env, "CONNECTOR_PUBLIC_URL", f"http://127.0.0.1:{connector_port}")
    return Settings(
        sevenstamp_api_url=_url(env, "SEVENSTAMP_API_URL", f"http://127.0.0.1:{sandbox_port}"),
        public_url=public_url,
        inbound_url=_url(env, "CONNECTOR_INBOUND_URL", public_url),
        connector_port=connector_port,
        sandbox_port=sandbox_port,
        moto_port=_int(env, "MOTO_PORT", 5000, 1, 65535),
        allow_private_targets=allow_private,
        locations_table=_name(env, "LOCATIONS_TABLE", f"{prefix}-locations"),
        keys_table=_name(env, "KEYS_TABLE", f"{prefix}-keys"),
        idempotency_table=_name(env, "IDEMPOTENCY_TABLE", f"{prefix}-idempotency"),
        events_table=_name(env, "EVENTS_TABLE", f"{prefix}-events"),
        subscriptions_table=_name(env, "SUBSCRIPTIONS_TABLE", f"{prefix}-subscriptions"),
        deliveries_table=_name(env, "DELIVERIES_TABLE", f"{prefix}-deliveries"),
        delivery_queue_url=env.get("DELIVERY_QUEUE_URL", "").strip(),
        delivery_queue_name=_name(env, "DELIVERY_QUEUE_NAME", f"{prefix}-deliveries"),
        lookup_queue_url=env.get("LOOKUP_QUEUE_URL", "").strip(),
        parked_queue_url=env.get("PARKED_QUEUE_URL", "").strip(),
        kms_key_id=_name(env, "KMS_KEY_ID", f"alias/{prefix}"),
        event_retention_days=_int(env, "EVENT_RETENTION_DAYS", 30, 7, 365),
        idempotency_hours=_int(env, "IDEMPOTENCY_HOURS", 24, 1, 168),
        key_cache_seconds=_int(env, "KEY_CACHE_SECONDS", 600, 0, 600),
        delivery_concurrency=_int(env, "DELIVERY_CONCURRENCY", 32, 1, 256),
        delivery_timeout_seconds=float(_int(env, "DELIVERY_TIMEOUT_SECONDS", 15, 1, 15)),
        default_phone_region=region,
        allowed_locations=_ids(env, "CONNECTOR_ALLOWED_LOCATIONS"),
        allowed_businesses=_ids(env, "CONNECTOR_ALLOWED_BUSINESSES"),
    )


@lru_cache(maxsize=1)
def get() -> Settings:
    """The process's settings, read once; tests call ``get.cache_clear()`` after changing env."""
    return load(os.environ)
