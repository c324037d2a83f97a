"""REST-hook subscriptions: subscribe, list with health, unsubscribe, enable, disable, test, see deliveries, replay failed ones."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response  # type: ignore[attr-defined]

from chalicelib.api import bodies, hook_health
from chalicelib.api.hook_access import own, refuse_if_disabled
from chalicelib.api.http import MODELS, Call, endpoint, json_response
from chalicelib.contract.cursors import since_cursor
from chalicelib.errors import NotFound
from chalicelib.pipeline import jobs

bp = Blueprint(__name__)


@endpoint(
    bp,
    "/v1/hooks",
    ["POST"],
    summary="Subscribe a target URL to an event",
    body="chalicelib.api.hook_requests:HookRequest",
    responses={201: MODELS + "NewHook"},
    errors=(409,),
)
def subscribe(call: Call) -> Any:
    from chalicelib.api import hook_requests  # pydantic loads with the first subscribe, not at cold start

    sub = hook_requests.subscribe(call.services, call.me, call.input)
    return json_response(bodies.new_hook(sub), 201, {"Location": f"{call.services.settings.public_url}/v1/hooks/{sub.id}"})


@endpoint(bp, "/v1/hooks", ["GET"], summary="The tenant's subscriptions (no secrets)", responses={200: MODELS + "Hooks"})
def list_hooks(call: Call) -> Any:
    return hook_health.healths(call.services, call.services.subscriptions.list(call.me.location_id))


@endpoint(bp, "/v1/hooks/{id}", ["GET"], errors=(404,))
def get_hook(call: Call) -> Any:
    return hook_health.health(call.services, own(call))


@endpoint(bp, "/v1/hooks/{id}", ["DELETE"], summary="Unsubscribe", responses={204: None}, errors=(404,))
def unsubscribe(call: Call) -> Any:
    if not call.services.subscriptions.delete(call.me.location_id, call.params["id"]):
        raise NotFound("No such subscription")
    return Response(body="", status_code=204)


@endpoint(bp, "/v1/hooks/{id}/enable", ["POST"], errors=(404,))
def enable(call: Call) -> Any:
    if not call.services.subscriptions.enable(call.me.location_id, own(call).id):
        raise NotFound("No such subscription")
    return hook_health.health(call.services, own(call))


@endpoint(bp, "/v1/hooks/{id}/disable", ["POST"], errors=(404,))
def disable(call: Call) -> Any:
    if not call.services.subscriptions.disable(call.me.location_id, own(call).id, "disabled in the console"):
        raise NotFound("No such subscription")
    return hook_health.health(call.services, own(call))


@endpoint(bp, "/v1/hooks/{id}/test", ["POST"], errors=(404, 429))
def send_test(call: Call) -> Any:
    from chalicelib.api import hook_requests
    from chalicelib.pipeline import sample_delivery

    sub = own(call)
    hook_requests.limit_test(call.services, sub)
    event_id, attempt = sample_delivery.send(call.services, sub)
    return {"event_id": event_id, **bodies.attempt_row(attempt)}


@endpoint(
    bp, "/v1/hooks/{id}/deliveries", ["GET"], summary="Recent delivery attempts", responses={200: MODELS + "DeliveryRows"}, errors=(404,)
)
def deliveries(call: Call) -> Any:
    return [bodies.delivery_row(d) for d in call.services.deliveries.recent(own(call).id, 50)]


@endpoint(
    bp,
    "/v1/hooks/{id}/replay",
    ["POST"],
    summary="Re-send failed deliveries",
    body=MODELS + "ReplayRequest",
    responses={200: MODELS + "Replayed"},
    errors=(404, 409),
)
def replay(call: Call) -> Any:
    """Re-send the failed deliveries (received after ``since``); ``dry_run`` only says how many that would be."""
    sub = own(call)
    cursor = since_cursor(call.input.since) if call.input.since is not None else None
    if call.input.dry_run:
        return {"would_replay": call.services.deliveries.count_failed(sub.id, cursor)}
    refuse_if_disabled(sub)
    reopened = call.services.deliveries.reopen_failed(sub.id, cursor)
    queued = [
        j
        for d in reopened
        for j in jobs.jobs_for(d.location_id, d.event_dedup_key, d.event_cursor, [d.subscription_id], event_id=d.event_id, event=d.event)
    ]
    call.services.queue.send(queued)
    return {"replayed": len(reopened)}
