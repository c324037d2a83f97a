"""A route's subscription: the caller's own, named in the path, or a 404; shared by the hooks and the delivery log routes."""

from __future__ import annotations

from chalicelib.api.http import Call
from chalicelib.errors import Conflict, NotFound
from chalicelib.store.records import Subscription


def own(call: Call) -> Subscription:
    """The caller's subscription named in the path; another location's id is 404 like an unknown one."""
    sub = call.services.subscriptions.get(call.me.location_id, call.params["id"])
    if sub is None:
        raise NotFound("No such subscription")
    return sub


def refuse_if_disabled(sub: Subscription) -> None:
    """Sending to a disabled subscription would only fail again: the caller enables it first."""
    if sub.disabled:
        raise Conflict("This subscription is disabled; enable it first, then send its deliveries again", code="subscription_disabled")
