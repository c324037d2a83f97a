"""A route's subscription (api/hook_access.py): the caller's own or a 404 (another location's too); a disabled one refused."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.api import hook_access
from chalicelib.api.http import Call
from chalicelib.container import Services
from chalicelib.errors import Conflict, NotFound
from chalicelib.store.records import Subscription, Tenant

SUB = Subscription("hook_0001", "loc_a", "stamp_added", "https://hooks.example/a", {}, "whsec_x", "t")


def call(services: Services, location_id: str, sub_id: str) -> Call:
    tenant = Tenant(location_id, "", "", "", "")
    return Call(services=services, params={"id": sub_id}, query={}, headers={}, raw_body=b"", tenant=tenant)


def test_the_callers_own_subscription_is_found(services: Services) -> None:
    services.subscriptions.create(SUB)
    assert hook_access.own(call(services, "loc_a", SUB.id)) == SUB


@pytest.mark.parametrize(("location_id", "sub_id"), [("loc_b", SUB.id), ("loc_a", "hook_9999"), ("loc_a", "not-a-hook")])
def test_another_locations_or_an_unknown_id_is_the_same_404(services: Services, location_id: str, sub_id: str) -> None:
    services.subscriptions.create(SUB)
    with pytest.raises(NotFound) as missing:
        hook_access.own(call(services, location_id, sub_id))
    assert missing.value.message == "No such subscription"


def test_a_disabled_subscription_is_refused_until_enabled() -> None:
    hook_access.refuse_if_disabled(SUB)
    with pytest.raises(Conflict) as refused:
        hook_access.refuse_if_disabled(replace(SUB, disabled=True))
    assert refused.value.code == "subscription_disabled"
