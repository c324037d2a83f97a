"""Polling triggers: the tenant's stored events, newest first, in one query.

With ``since`` (an event id from an earlier answer) the answer holds only events received
after it, and never one that an event stored later could precede (see store/events.py);
``X-Next-Cursor`` is the id to pass as ``since`` next time. With ``settled=1`` (or ``before``)
the answer is newest first and holds only settled events, for pollers that keep their own
place by time and id (Make's watch modules); ``X-Next-Cursor`` then pages backwards.
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response  # type: ignore[attr-defined]

from chalicelib.api.http import JSON_HEADERS, MODELS, Call, endpoint, json_response
from chalicelib.errors import NotFound
from chalicelib.store.events import cursor_of, id_of

bp = Blueprint(__name__)
POLL_PARAMETERS = ("limit", "since", "samples", "settled", "before")  # every other query parameter is one of the trigger's filters


@endpoint(
    bp,
    "/v1/triggers/{event}",
    ["GET"],
    summary="Recent events, newest first",
    query=MODELS + "PollQuery",
    responses={200: MODELS + "EventRecords"},
    errors=(404,),
)
def poll(call: Call) -> Any:
    from chalicelib.contract import event_filters, event_spelling, registry

    name = call.params["event"]
    if name not in registry.triggers():
        guess = event_spelling.suggest(name)
        raise NotFound(f"No trigger called {name!r}" + (f"; did you mean {guess!r}?" if guess else ""))
    since = call.args.since
    settled = not since and (call.args.settled == "1" or call.args.before is not None)  # since, when given, decides the answer
    filters = event_filters.parse(name, {k: v.split(",") for k, v in call.query.items() if k not in POLL_PARAMETERS}, prefix="")
    event = None if name == registry.ANY_EVENT else name
    store = call.services.events
    location = call.me.location_id
    headers: dict[str, str] = {}
    if settled:
        before = cursor_of(call.args.before) if call.args.before else None
        found, older = store.settled(location, event, before, call.args.limit)
        if older:
            headers["X-Next-Cursor"] = id_of(older)
    elif since:
        cursor = cursor_of(since)
        found = store.since(location, event, cursor, call.args.limit) if cursor else store.recent(location, event, call.args.limit)
        headers["X-Next-Cursor"] = id_of(found[0].cursor) if found else since
    else:
        found = store.recent(location, event, call.args.limit)
        # where a watcher starts: the newest event shown, but never past the horizon (what is newer comes again)
        headers["X-Next-Cursor"] = id_of(min(found[0].cursor, store.horizon()) if found else store.horizon())
    texts = [e.text for e in found if not filters or event_filters.stored_passes(name, filters, e)]
    if not texts and call.args.samples == "1" and not since and not call.args.before:
        return json_response([{**registry.triggers()[name].sample, "sample": True}], 200, headers)
    # stored texts as they are: a record that decodes badly (however deep) cannot fail the answer
    return Response(body="[" + ",".join(texts) + "]", status_code=200, headers={**JSON_HEADERS, **headers})
