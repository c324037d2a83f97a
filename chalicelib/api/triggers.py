"""Polling triggers: the tenant's stored events, newest first, in one query."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]

from chalicelib import services
from chalicelib.api.http import MODELS, Call, endpoint, json_response
from chalicelib.errors import NotFound
from chalicelib.store.events import cursor_of

bp = Blueprint(__name__)
POLL_PARAMETERS = ("limit", "since", "samples")  # every other query parameter is one of the trigger's filters


@endpoint(
    bp, "/v1/triggers/{event}", ["GET"], summary="Recent events, newest first",
    query=MODELS + "PollQuery", responses={200: MODELS + "EventRecords"}, errors=(404,),
)
def poll(call: Call) -> Any:
    from chalicelib import event_filters, event_names, registry, subscriptions

    name = call.params["event"]
    if name not in registry.triggers():
        guess = event_names.suggest(name)
        raise NotFound(f"No trigger called {name!r}" + (f"; did you mean {guess!r}?" if guess else ""))
    since = call.args.since
    cursor = cursor_of(since) if since else None
    filters = subscriptions.filters_for(name, {k: v.split(",") for k, v in call.query.items() if k not in POLL_PARAMETERS}, prefix="")
    event = None if name == registry.ANY_EVENT else name
    found = services.events().recent(call.me.location_id, event, call.args.limit, cursor)
    records = [e.record for e in found]
    headers = {"X-Next-Cursor": str(records[0]["id"])} if records else ({"X-Next-Cursor": since} if since else {})
    records = [r for r in records if event_filters.passes(name, filters, r)]
    if not records and call.args.samples == "1" and not since:
        records = [{**registry.triggers()[name].sample, "sample": True}]
    return json_response(records, 200, headers)
