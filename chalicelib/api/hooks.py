"""REST-hook subscriptions: subscribe, list, unsubscribe, see deliveries, replay failed ones."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chalice import Blueprint, Response  # type: ignore[attr-defined]

from chalicelib import queue, services, settings
from chalicelib.api.http import MODELS, Call, endpoint, json_response
from chalicelib.errors import NotFound
from chalicelib.store.events import cursor_of
from chalicelib.store.records import Subscription

bp = Blueprint(__name__)


def _own(call: Call) -> Subscription:
    sub = services.subscriptions().get(call.me.location_id, call.params["id"])
    if sub is None:
        raise NotFound("No such subscription")
    return sub


@endpoint(
    bp, "/v1/hooks", ["POST"], summary="Subscribe a target URL to an event",
    body="chalicelib.subscriptions:HookRequest", responses={201: MODELS + "NewHook"},
)
def subscribe(call: Call) -> Any:
    from chalicelib import subscriptions

    sub = subscriptions.subscribe(call.me, call.input)
    return json_response({**sub.public(include_secret=True)}, 201, {"Location": f"{settings.get().public_url}/v1/hooks/{sub.id}"})


@endpoint(bp, "/v1/hooks", ["GET"], summary="The tenant's subscriptions (no secrets)", responses={200: MODELS + "Hooks"})
def list_hooks(call: Call) -> Any:
    return [s.public() for s in services.subscriptions().list(call.me.location_id)]


@endpoint(bp, "/v1/hooks/{id}", ["DELETE"], summary="Unsubscribe", responses={204: None}, errors=(404,))
def unsubscribe(call: Call) -> Any:
    if not services.subscriptions().delete(call.me.location_id, call.params["id"]):
        raise NotFound("No such subscription")
    return Response(body="", status_code=204)


@endpoint(bp, "/v1/hooks/{id}/deliveries", ["GET"], summary="Recent delivery attempts", responses={200: MODELS + "DeliveryRows"}, errors=(404,))
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


@endpoint(
    bp, "/v1/hooks/{id}/replay", ["POST"], summary="Re-send failed deliveries",
    body=MODELS + "ReplayRequest", responses={200: MODELS + "Replayed"}, errors=(404,),
)
def replay(call: Call) -> Any:
    sub = _own(call)
    since = call.input.since
    cursor = None
    if since is not None:
        cursor = cursor_of(since)
        if cursor is None:
            moment = datetime.fromisoformat(since.replace("Z", "+00:00"))
            cursor = f"{max(0, int(moment.timestamp() * 1000)):015d}#"
    reopened = services.deliveries().reopen_failed(sub.id, cursor)
    jobs = [j for d in reopened for j in queue.jobs_for(d.location_id, d.event_key, d.event_cursor, [d.subscription_id])]
    queue.send(jobs)
    return {"replayed": len(reopened)}


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
