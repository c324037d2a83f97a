"""The JSON bodies the routes answer for stored records, each built with the model the OpenAPI document declares for it.

The store's records say nothing about how the API shows them: which fields a listing
leaves out, and that only the subscribe answer carries the signing secret, are decided
here. Building through ``models.py`` (loaded with the first answer, not at cold start)
means an answer and its declared shape cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from chalicelib.contract.cursors import iso, seconds_of
from chalicelib.store.records import Attempt, DeliveryRecord, DeliveryStatus, Subscription, Tenant


def me(tenant: Tenant) -> dict[str, Any]:
    """GET /v1/me: the key's location, the label a platform shows for the connection."""
    from chalicelib.api import models

    fields = models.Me.model_fields
    return models.Me(**{name: str(getattr(tenant, name)) for name in fields}).model_dump(mode="json")


def _subscription(sub: Subscription) -> dict[str, Any]:
    return {"id": sub.id, "event": sub.event, "target_url": sub.target_url, "filters": sub.filters, "created_at": sub.created_at}


def hook(sub: Subscription, **health: Any) -> dict[str, Any]:
    """A subscription as GET /v1/hooks shows it: no secret, with its health (``hook_health``)."""
    from chalicelib.api import models

    return models.HookHealth(**_subscription(sub), disabled=sub.disabled, **health).model_dump(mode="json")


def new_hook(sub: Subscription) -> dict[str, Any]:
    """The subscribe answer, the only one that shows the signing secret."""
    from chalicelib.api import models

    return models.NewHook(**_subscription(sub), secret=sub.secret).model_dump(mode="json")


def _attempt(a: Attempt) -> dict[str, Any]:
    return {
        "at": iso(a.at),
        "status_code": a.status_code,
        "error": a.error,
        "latency_ms": a.latency_ms,
        "answer": a.answer,
        "ok": a.status_code is not None and 200 <= a.status_code < 300,
    }


def sample_delivery(event_id: str, a: Attempt) -> dict[str, Any]:
    """The test route's answer: the attempt that sent the trigger's sample, with the sample's event id."""
    from chalicelib.api import models

    return models.SampleDelivery(event_id=event_id, **_attempt(a)).model_dump(mode="json")


def delivery_row(d: DeliveryRecord) -> dict[str, Any]:
    """One delivery as the API shows it: its state, its latest attempt and every attempt kept (the last 10)."""
    from chalicelib.api import models

    last = d.attempts_log[-1] if d.attempts_log else None
    return models.DeliveryRow(
        hook_id=d.subscription_id,
        event_id=d.event_id,
        event=d.event,
        status=d.status,
        received_at=iso(seconds_of(d.event_cursor)),
        attempts=len(d.attempts_log),
        last_status_code=last.status_code if last else None,
        last_error=last.error if last else None,
        last_attempt_at=iso(last.at) if last else None,
        last_latency_ms=last.latency_ms if last else None,
        next_attempt_at=iso(d.next_at) if d.status is DeliveryStatus.PENDING else None,
        history=[models.AttemptRow(**_attempt(a)) for a in d.attempts_log],
        test=d.test,
    ).model_dump(mode="json")
