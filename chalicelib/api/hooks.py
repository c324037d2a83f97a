"""REST-hook subscriptions: subscribe, list, unsubscribe, see deliveries, replay failed ones."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chalice import Blueprint, Response  # type: ignore[attr-defined]

from chalicelib import queue, services, settings
from chalicelib.api.http import Call, endpoint, json_response
from chalicelib.errors import NotFound, ValidationFailed
from chalicelib.store.events import cursor_of
from chalicelib.store.records import Subscription

bp = Blueprint(__name__)


def _own(call: Call) -> Subscription:
    sub = services.subscriptions().get(call.me.location_id, call.params["id"])
    if sub is None:
        raise NotFound("No such subscription")
    return sub


@endpoint(bp, "/v1/hooks", ["POST"])
def subscribe(call: Call) -> Any:
    from chalicelib import subscriptions

    sub = subscriptions.subscribe(call.me, call.json())
    return json_response({**sub.public(include_secret=True)}, 201, {"Location": f"{settings.get().public_url}/v1/hooks/{sub.id}"})


@endpoint(bp, "/v1/hooks", ["GET"])
def list_hooks(call: Call) -> Any:
    return [s.public() for s in services.subscriptions().list(call.me.location_id)]


@endpoint(bp, "/v1/hooks/{id}", ["DELETE"])
def unsubscribe(call: Call) -> Any:
    if not services.subscriptions().delete(call.me.location_id, call.params["id"]):
        raise NotFound("No such subscription")
    return Response(body="", status_code=204)


@endpoint(bp, "/v1/hooks/{id}/deliveries", ["GET"])
def deliveries(call: Call) -> Any:
    sub = _own(call)
    rows = []
    for d in services.deliveries().recent(sub.id, 50):
        last = d.attempts_log[-1] if d.attempts_log else None
        rows.append({
            "event_id": d.event_id,
            "event": d.event,
            "status": d.status.value,
            "attempts": len(d.attempts_log),
            "last_status_code": last.status_code if last else None,
            "last_error": last.error if last else None,
            "last_attempt_at": _iso(last.at) if last else None,
            "next_attempt_at": _iso(d.next_at) if d.status.value == "pending" else None,
            "history": [{"at": _iso(a.at), "status_code": a.status_code, "error": a.error} for a in d.attempts_log],
        })
    return rows


@endpoint(bp, "/v1/hooks/{id}/replay", ["POST"])
def replay(call: Call) -> Any:
    sub = _own(call)
    since = call.json().get("since")
    cursor = None
    if since is not None:
        cursor = cursor_of(str(since)) if isinstance(since, str) else None
        if cursor is None:
            try:
                moment = datetime.fromisoformat(str(since).replace("Z", "+00:00"))
                cursor = f"{int(moment.timestamp() * 1000):015d}#"
            except ValueError:
                raise ValidationFailed("since must be an event id or a time like 2026-05-11T12:00:00Z", fields={"since": "is not an event id or a time"}) from None
    reopened = services.deliveries().reopen_failed(sub.id, cursor)
    jobs = [j for d in reopened for j in queue.jobs_for(d.location_id, d.event_key, d.event_cursor, [d.subscription_id])]
    queue.send(jobs)
    return {"replayed": len(reopened)}


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
