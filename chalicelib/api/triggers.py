"""Polling triggers: the tenant's stored events, newest first, in one query."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]

from chalicelib import services
from chalicelib.api.http import Call, endpoint, json_response
from chalicelib.errors import NotFound, ValidationFailed
from chalicelib.store.events import cursor_of

bp = Blueprint(__name__)
DEFAULT_LIMIT = 50
POLL_PARAMETERS = ("limit", "since", "samples")  # every other query parameter is one of the trigger's filters


@endpoint(bp, "/v1/triggers/{event}", ["GET"])
def poll(call: Call) -> Any:
    from chalicelib import event_filters, event_names, registry, subscriptions

    name = call.params["event"]
    if name not in registry.triggers():
        guess = event_names.suggest(name)
        raise NotFound(f"No trigger called {name!r}" + (f"; did you mean {guess!r}?" if guess else ""))
    raw_limit = call.query.get("limit", str(DEFAULT_LIMIT))
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 100:
        raise ValidationFailed("limit must be a whole number from 1 to 100", fields={"limit": "must be a whole number from 1 to 100"})
    since = call.query.get("since") or None
    cursor = cursor_of(since) if since else None
    if since and cursor is None:
        raise ValidationFailed("since must be an event id from an earlier answer", fields={"since": "is not an event id from this connector"})
    filters = subscriptions.filters_for(name, {k: v.split(",") for k, v in call.query.items() if k not in POLL_PARAMETERS}, prefix="")
    event = None if name == registry.ANY_EVENT else name
    found = services.events().recent(call.me.location_id, event, int(raw_limit), cursor)
    records = [e.record for e in found]
    headers = {"X-Next-Cursor": str(records[0]["id"])} if records else ({"X-Next-Cursor": since} if since else {})
    records = [r for r in records if event_filters.passes(name, filters, r)]
    if not records and call.query.get("samples") == "1" and not since:
        records = [{**registry.triggers()[name].sample, "sample": True}]
    return json_response(records, 200, headers)
