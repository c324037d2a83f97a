"""The delivery log: the tenant's deliveries across subscriptions, one delivery's attempts, resending one, the hourly chart."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]

from chalicelib.api import hook_health
from chalicelib.api.bodies import delivery_row
from chalicelib.api.hook_access import own, refuse_if_disabled
from chalicelib.api.http import MODELS, Call, endpoint
from chalicelib.contract.cursors import since_cursor
from chalicelib.errors import Conflict, NotFound, ValidationFailed
from chalicelib.pipeline import jobs
from chalicelib.store.events import cursor_of
from chalicelib.store.records import DeliveryRecord

bp = Blueprint(__name__)

_PAGE_CURSOR = re.compile(r"^\d{15}#[A-Za-z0-9]{1,64}$")
_HOOK_ID = re.compile(r"^hook_[0-9a-f]{24}$")


def _page_token(key: tuple[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def _page_key(token: str) -> tuple[str, str]:
    try:
        sk, pk = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, TypeError):
        sk = pk = None
    if not (isinstance(sk, str) and isinstance(pk, str) and _PAGE_CURSOR.match(sk) and _HOOK_ID.match(pk)):
        raise ValidationFailed("page must be the next value of an earlier answer", fields={"page": "is not a page of this list"})
    return sk, pk


@endpoint(bp, "/v1/deliveries", ["GET"], summary="The tenant's deliveries across subscriptions", query=MODELS + "DeliveriesQuery")
def list_deliveries(call: Call) -> Any:
    query = call.args
    since = since_cursor(query.since) if query.since else None
    after = _page_key(query.page) if query.page else None
    rows, more = call.services.delivery_log.page(
        call.me.location_id, status=query.status, event=query.event, since=since, limit=query.limit, after=after
    )
    return {"deliveries": [delivery_row(d) for d in rows], "next": _page_token(more) if more else None}


@endpoint(bp, "/v1/deliveries/hourly", ["GET"])
def hourly(call: Call) -> Any:
    return hook_health.hourly(call.services, call.me.location_id)


def _own_delivery(call: Call) -> DeliveryRecord:
    sub = own(call)
    cursor = cursor_of(call.params["event_id"])
    found = call.services.delivery_log.get(sub.id, cursor) if cursor else None
    # a delivery in its first attempt has no location_id yet (store/deliveries.py): the subscription, checked above, is the tenant's
    if found is None or found.location_id not in ("", call.me.location_id):
        raise NotFound("No such delivery for this subscription")
    return found


@endpoint(bp, "/v1/hooks/{id}/deliveries/{event_id}", ["GET"], responses={200: MODELS + "DeliveryRow"}, errors=(404,))
def one_delivery(call: Call) -> Any:
    return delivery_row(_own_delivery(call))


@endpoint(bp, "/v1/hooks/{id}/deliveries/{event_id}/resend", ["POST"], errors=(404, 409))
def resend(call: Call) -> Any:
    """Send one delivery again now, whatever happened to it before (Svix's resend)."""
    found = _own_delivery(call)
    refuse_if_disabled(own(call))
    reopened = call.services.deliveries.resend(found.subscription_id, found.event_cursor)
    if reopened is None:
        raise Conflict("This delivery is being sent right now; look again in a minute", code="delivery_in_progress")
    call.services.queue.send([jobs.redelivery(reopened)])
    return delivery_row(reopened)
