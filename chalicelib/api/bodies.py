"""The JSON bodies the routes answer for stored records, as plain dicts (``models.py`` declares the same shapes).

The store's records say nothing about how the API shows them: which fields a listing
leaves out, and that only the subscribe answer carries the signing secret, are decided here.
"""

from __future__ import annotations

from typing import Any

from chalicelib.contract.cursors import iso, seconds_of
from chalicelib.store.records import Attempt, DeliveryRecord, DeliveryStatus, Subscription, Tenant

ME = ("location_id", "location_name", "business_id", "business_name", "staff_login")


def me(tenant: Tenant) -> dict[str, str]:
    """GET /v1/me: the key's location, the label a platform shows for the connection."""
    return {name: str(getattr(tenant, name)) for name in ME}


def _subscription(sub: Subscription) -> dict[str, Any]:
    return {"id": sub.id, "event": sub.event, "target_url": sub.target_url, "filters": sub.filters, "created_at": sub.created_at}


def hook(sub: Subscription) -> dict[str, Any]:
    """A subscription as GET /v1/hooks lists it: no secret."""
    return {**_subscription(sub), "disabled": sub.disabled}


def new_hook(sub: Subscription) -> dict[str, Any]:
    """The subscribe answer, the only one that shows the signing secret."""
    return {**_subscription(sub), "secret": sub.secret}


def attempt_row(a: Attempt) -> dict[str, Any]:
    """One attempt as the delivery log and the test route show it."""
    return {
        "at": iso(a.at),
        "status_code": a.status_code,
        "error": a.error,
        "latency_ms": a.latency_ms,
        "answer": a.answer,
        "ok": a.status_code is not None and 200 <= a.status_code < 300,
    }


def delivery_row(d: DeliveryRecord) -> dict[str, Any]:
    """One delivery as the API shows it: its state, its latest attempt and every attempt kept (the last 10)."""
    last = d.attempts_log[-1] if d.attempts_log else None
    return {
        "hook_id": d.subscription_id,
        "event_id": d.event_id,
        "event": d.event,
        "status": d.status.value,
        "received_at": iso(seconds_of(d.event_cursor)),
        "attempts": len(d.attempts_log),
        "last_status_code": last.status_code if last else None,
        "last_error": last.error if last else None,
        "last_attempt_at": iso(last.at) if last else None,
        "last_latency_ms": last.latency_ms if last else None,
        "next_attempt_at": iso(d.next_at) if d.status is DeliveryStatus.PENDING else None,
        "history": [attempt_row(a) for a in d.attempts_log],
    }
