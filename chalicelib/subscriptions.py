"""Creating a REST-hook subscription: the event name, its filters and the target URL are checked here."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import Field

from chalicelib import address_guard, event_names, fields, registry, services, settings, signing
from chalicelib.catalog import filter_choices
from chalicelib.errors import ValidationFailed
from chalicelib.fields import Input
from chalicelib.store.records import Subscription, Tenant

MAX_SUBSCRIPTIONS = 2000


FilterValues = dict[str, str | list[str | None] | None]
"""Filters as a subscriber gives them: a value, a list of values, or null, per filter key."""


class HookRequest(Input):
    event: str = Field(title="Event", max_length=100)
    target_url: str = Field(title="Target URL", max_length=2048)
    filters: FilterValues | None = Field(None, title="Filters")


def filters_for(event: str, given: Mapping[str, str | Sequence[str | None] | None] | None, prefix: str = "filters.") -> dict[str, list[str]]:
    """Filters as lists of wanted values, each checked against what the trigger accepts (a 422 names ``prefix + key``).

    A null or empty value (``None``, ``""``, ``[]``, ``[""]``) means "no filter": platforms send
    an optional filter the user left blank that way, and it must not stop the subscription.
    """
    accepted = {f.key: f for f in registry.triggers()[event].filters}
    out: dict[str, list[str]] = {}
    problems: dict[str, str] = {}
    for key, value in (given or {}).items():
        wanted = [w for w in ([value] if value is None or isinstance(value, str) else value) if w]
        definition = accepted.get(key)
        if definition is None:
            names = ", ".join(accepted) or "none"
            problems[f"{prefix}{key}"] = f"is not a filter of {event}; it accepts: {names}"
        elif not wanted:
            continue
        elif any(len(w) > 200 for w in wanted):
            problems[f"{prefix}{key}"] = "must be values of at most 200 characters"
        elif filter_choices(definition) and any(w not in filter_choices(definition) for w in wanted):
            problems[f"{prefix}{key}"] = f"must be one of {', '.join(filter_choices(definition))}"
        else:
            out[key] = wanted
    if problems:
        raise ValidationFailed("Please check the filters: " + "; ".join(f"{k} {v}" for k, v in problems.items()), fields=problems)
    return out


def subscribe(tenant: Tenant, body: dict[str, Any]) -> Subscription:
    """Validate and store a subscription; its secret is shown to the caller only in this answer."""
    request = fields.parse(HookRequest, body)
    assert isinstance(request, HookRequest)
    event = event_names.canonical(request.event)
    filters = filters_for(event, request.filters)
    address_guard.check(request.target_url, allow_private=settings.get().allow_private_targets)
    store = services.subscriptions()
    if len(store.list(tenant.location_id)) >= MAX_SUBSCRIPTIONS:
        raise ValidationFailed(f"This location already has {MAX_SUBSCRIPTIONS} subscriptions; delete some first")
    sub = Subscription(
        id=f"hook_{secrets.token_hex(12)}",
        location_id=tenant.location_id,
        event=event,
        target_url=request.target_url.strip(),
        filters=filters,
        secret=signing.new_secret(),
        created_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    store.create(sub)
    return sub
