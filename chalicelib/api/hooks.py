"""REST-hook subscriptions: subscribe, list with health, unsubscribe, enable, disable, test, see deliveries, replay, retry now."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response  # type: ignore[attr-defined]

from chalicelib.api import bodies, hook_health
from chalicelib.api.hook_access import own, refuse_if_disabled
from chalicelib.api.http import MODELS, Call, endpoint, json_response
from chalicelib.contract.cursors import since_cursor
from chalicelib.errors import NotFound
from chalicelib.pipeline import jobs
from chalicelib.store.records import DeliveryRecord, Subscription

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
    from chalicelib.sevenstamp import connect

    sub = hook_requests.subscribe(call.services, call.me, call.input)
    connect.check_on_subscribe(call.services, call.me.location_id, call.api_key)
    return json_response(bodies.new_hook(sub), 201, {"Location": f"{call.services.settings.public_url}/v1/hooks/{sub.id}"})


@endpoint(bp, "/v1/hooks", ["GET"], summary="The tenant's subscriptions (no secrets)", responses={200: MODELS + "Hooks"})
def list_hooks(call: Call) -> Any:
    return hook_health.healths(call.services, call.services.subscriptions.list(call.me.location_id))


@endpoint(bp, "/v1/hooks/{id}", ["GET"], summary="One subscription with its health", responses={200: MODELS + "HookHealth"}, errors=(404,))
def get_hook(call: Call) -> Any:
    return hook_health.health(call.services, own(call))


@endpoint(bp, "/v1/hooks/{id}", ["DELETE"], summary="Unsubscribe", responses={204: None}, errors=(404,))
def unsubscribe(call: Call) -> Any:
    if not call.services.subscriptions.delete(call.me.location_id, call.params["id"]):
        raise NotFound("No such subscription")
    return Response(body="", status_code=204)


@endpoint(bp, "/v1/hooks/{id}/enable", ["POST"], responses={200: MODELS + "HookHealth"}, errors=(404,))
def enable(call: Call) -> Any:
    if not call.services.subscriptions.enable(call.me.location_id, own(call).id):
        raise NotFound("No such subscription")
    return hook_health.health(call.services, own(call))


@endpoint(bp, "/v1/hooks/{id}/disable", ["POST"], responses={200: MODELS + "HookHealth"}, errors=(404,))
def disable(call: Call) -> Any:
    if not call.services.subscriptions.disable(call.me.location_id, own(call).id, "disabled in the console"):
        raise NotFound("No such subscription")
    return hook_health.health(call.services, own(call))


@endpoint(bp, "/v1/hooks/{id}/test", ["POST"], responses={200: MODELS + "SampleDelivery"}, errors=(404, 429))
def send_test(call: Call) -> Any:
    from chalicelib.api import hook_requests
    from chalicelib.pipeline import sample_delivery

    sub = own(call)
    hook_requests.limit_test(call.services, sub)
    event_id, attempt = sample_delivery.send(call.services, sub)
    return bodies.sample_delivery(event_id, attempt)


@endpoint(
    bp, "/v1/hooks/{id}/deliveries", ["GET"], summary="Recent delivery attempts", responses={200: MODELS + "DeliveryRows"}, errors=(404,)
)
def deliveries(call: Call) -> Any:
    return [bodies.delivery_row(d) for d in call.services.delivery_log.recent(own(call).id, 50)]


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
        failed, waiting = call.services.deliveries.count_outstanding(sub.id, cursor)
        return {"would_replay": failed, "waiting": waiting}
    refuse_if_disabled(sub)
    reopened, waiting = call.services.deliveries.reopen_failed(sub.id, cursor)
    _queue_now(call, sub, reopened)
    return {"replayed": len(reopened), "waiting": waiting}


@endpoint(
    bp,
    "/v1/hooks/{id}/retry",
    ["POST"],
    summary="Send every delivery waiting for its next retry now",
    responses={200: MODELS + "Retried"},
    errors=(404, 409),
)
def retry_now(call: Call) -> Any:
    """ "Retry now" after the subscriber was fixed: the waiting deliveries go at once, claimed as the schedule's would be."""
    sub = own(call)
    refuse_if_disabled(sub)
    forward = call.services.deliveries.bring_forward(sub.id)
    _queue_now(call, sub, forward)
    return {"retried": len(forward), "failed": call.services.deliveries.count_outstanding(sub.id, None)[0]}


def _queue_now(call: Call, sub: Subscription, due: list[DeliveryRecord]) -> None:
    """One job per delivery made due now (the location is the subscription's: a record may not carry it yet).

    The operator says the endpoint is back: its breaker is closed, so the jobs are not held.
    """
    if sub.strikes:
        call.services.subscriptions.close_breaker(sub.location_id, sub.id)
    call.services.queue.send([jobs.redelivery(d, sub.location_id) for d in due])
