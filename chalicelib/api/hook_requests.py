"""Creating a REST-hook subscription: the event name, its filters and the target URL are checked here."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import ConfigDict, Field, WithJsonSchema

from chalicelib.container import Services
from chalicelib.contract import event_filters, event_spelling, registry
from chalicelib.contract.input_types import Input
from chalicelib.errors import Conflict, RateLimited, ValidationFailed
from chalicelib.security import address_guard, signing
from chalicelib.store.records import Subscription, Tenant
from chalicelib.store.subscriptions import HOOK_PREFIX

MAX_SUBSCRIPTIONS = 100  # per location: one event becomes at most this many POSTs (and their retries)
TARGET_URL_MAX = 2048
TESTS_PER_HOST_PER_MINUTE = 10  # test deliveries to one target host, across every location: test events on demand stay small


def _filter_schema(event: str) -> dict[str, Any]:
    """The filters one event accepts (``event_filters.parse``): each a value or a list of values, from its choices when it has
    some; null and "" (alone or in a list) are no filter."""
    properties: dict[str, Any] = {}
    for f in registry.triggers()[event].filters:
        value: dict[str, Any] = {"type": "string", "maxLength": 200}
        if event_filters.choices(f):
            value = {"type": "string", "enum": ["", *event_filters.choices(f)]}
        item = {"anyOf": [value, {"type": "null"}]}
        properties[f.key] = {"anyOf": [value, {"type": "null"}, {"type": "array", "items": item}]}
    return {"anyOf": [{"type": "object", "properties": properties, "additionalProperties": False}, {"type": "null"}]}


def _hook_request_schema(schema: dict[str, Any]) -> None:
    """One branch per event (``oneOf``): which filters are accepted depends on the event named."""
    schema["properties"]["event"] = {"type": "string", "enum": list(registry.triggers())}
    schema["oneOf"] = [{"properties": {"event": {"const": e}, "filters": _filter_schema(e)}} for e in registry.triggers()]


FilterValues = dict[str, str | list[str | None] | None]
"""Filters as a subscriber gives them: a value, a list of values, or null, per filter key."""


class HookRequest(Input):
    """``POST /v1/hooks``. ``target-url`` is this contract's format: an https URL of at most 2048 characters whose host
    resolves only to public addresses (the address guard), which no pattern can say."""

    model_config = ConfigDict(json_schema_extra=_hook_request_schema)
    event: str = Field(title="Event", max_length=100)
    target_url: Annotated[str, WithJsonSchema({"type": "string", "format": "target-url", "maxLength": TARGET_URL_MAX})] = Field(
        title="Target URL", max_length=TARGET_URL_MAX
    )
    filters: FilterValues | None = Field(None, title="Filters")


def subscribe(services: Services, tenant: Tenant, request: HookRequest) -> Subscription:
    """Check and store a subscription; its secret is shown to the caller only in this answer."""
    event = event_spelling.canonical(request.event)
    filters = event_filters.parse(event, request.filters)
    address_guard.refuse_service_port(request.target_url)
    address_guard.check(request.target_url, allow_private=services.settings.allow_private_targets)
    target_url = request.target_url.strip()
    store = services.subscriptions
    existing = store.list(tenant.location_id)
    same = next((s for s in existing if s.event == event and s.target_url == target_url), None)
    if same is not None:
        raise _duplicate(event, same.id)
    if len(existing) >= MAX_SUBSCRIPTIONS:
        raise ValidationFailed(
            f"This location already has {MAX_SUBSCRIPTIONS} subscriptions, the most one location may hold; delete some first"
        )
    sub = Subscription(
        id=f"{HOOK_PREFIX}{secrets.token_hex(12)}",
        location_id=tenant.location_id,
        event=event,
        target_url=target_url,
        filters=filters,
        secret=signing.new_secret(),
        created_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    held_by = store.create(sub)  # atomic: of two concurrent subscribes of one event and URL, one is refused here
    if held_by is not None:
        raise _duplicate(event, held_by)
    return sub


def _duplicate(event: str, hook_id: str) -> Conflict:
    return Conflict(
        f"This location already has subscription {hook_id} for {event} to this target_url; one is enough",
        code="duplicate_subscription",
        fields={"target_url": f"already subscribed to {event} by {hook_id}"},
    )


def limit_test(services: Services, sub: Subscription) -> None:
    """429 once the subscription's target host had TESTS_PER_HOST_PER_MINUTE test deliveries this minute, from any location."""
    host = (urlsplit(sub.target_url).hostname or "").lower()
    wait = services.rates.take(f"test#{hashlib.sha256(host.encode()).hexdigest()}", TESTS_PER_HOST_PER_MINUTE, 60)
    if wait is not None:
        raise RateLimited(
            f"Test deliveries to {host} are limited to {TESTS_PER_HOST_PER_MINUTE} a minute; try again in {wait} s", retry_after=wait
        )
