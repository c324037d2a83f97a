"""The JSON bodies the routes answer for stored records, as plain dicts (``models.py`` declares the same shapes).

The store's records say nothing about how the API shows them: which fields a listing
leaves out, and that only the subscribe answer carries the signing secret, are decided here.
"""

from __future__ import annotations

from typing import Any

from chalicelib.store.records import Subscription, Tenant

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
