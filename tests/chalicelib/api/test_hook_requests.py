"""Creating a subscription (api/hook_requests.py): the event, its filters and the target checked, one per event and URL, bounded.

Targets are IP literals, so the address guard needs no DNS; the stage's private-target setting is
set by each test, not inherited from the environment.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.api.hook_requests import MAX_SUBSCRIPTIONS, TESTS_PER_HOST_PER_MINUTE, HookRequest, limit_test, subscribe
from chalicelib.container import Services
from chalicelib.contract import registry
from chalicelib.contract.input_types import parse
from chalicelib.errors import Conflict, RateLimited, ValidationFailed
from chalicelib.store.records import Subscription, Tenant
from chalicelib.store.subscriptions import HOOK_PREFIX

TENANT = Tenant("loc_a", "Café A", "biz_1", "Biz", "staff@example.com")
OTHER = Tenant("loc_b", "Café B", "biz_2", "Biz 2", "staff@example.com")
EVENT = next(iter(registry.triggers()))
PUBLIC = "https://93.184.216.34/hooks/a"  # a public address, as an IP literal


def staged(services: Services, *, allow_private: bool) -> Services:
    return replace(services, settings=replace(services.settings, allow_private_targets=allow_private))


def hook(event: str = EVENT, url: str = PUBLIC, filters: dict | None = None) -> HookRequest:
    request = parse(HookRequest, {"event": event, "target_url": url, **({"filters": filters} if filters is not None else {})})
    assert isinstance(request, HookRequest)
    return request


def test_a_subscription_is_stored_with_a_fresh_id_and_secret(services: Services) -> None:
    first = subscribe(staged(services, allow_private=False), TENANT, hook())
    second = subscribe(staged(services, allow_private=False), TENANT, hook(url=PUBLIC + "/2"))
    assert first.id.startswith(HOOK_PREFIX) and first.id != second.id and first.secret != second.secret
    assert (first.location_id, first.event, first.target_url) == (TENANT.location_id, EVENT, PUBLIC)
    assert services.subscriptions.get(TENANT.location_id, first.id) == first


def test_the_same_event_and_url_twice_is_a_conflict_naming_the_first(services: Services) -> None:
    first = subscribe(staged(services, allow_private=False), TENANT, hook())
    with pytest.raises(Conflict) as refused:
        subscribe(staged(services, allow_private=False), TENANT, hook())
    assert refused.value.code == "duplicate_subscription" and first.id in refused.value.fields["target_url"]
    assert len(services.subscriptions.list(TENANT.location_id)) == 1


def test_another_tenant_may_subscribe_the_same_event_and_url(services: Services) -> None:
    subscribe(staged(services, allow_private=False), TENANT, hook())
    theirs = subscribe(staged(services, allow_private=False), OTHER, hook())
    assert theirs.location_id == OTHER.location_id


def test_a_location_holds_at_most_the_limit(services: Services) -> None:
    for n in range(MAX_SUBSCRIPTIONS):
        services.subscriptions.create(Subscription(f"{HOOK_PREFIX}{n:04d}", TENANT.location_id, EVENT, f"{PUBLIC}/{n}", {}, "s", "t"))
    with pytest.raises(ValidationFailed) as refused:
        subscribe(staged(services, allow_private=False), TENANT, hook(url=PUBLIC + "/one-more"))
    assert str(MAX_SUBSCRIPTIONS) in refused.value.message
    assert subscribe(staged(services, allow_private=False), OTHER, hook()).location_id == OTHER.location_id


def test_an_unknown_event_is_refused_in_words(services: Services) -> None:
    with pytest.raises(ValidationFailed) as refused:
        subscribe(services, TENANT, hook(event="no_such_event"))
    assert "event" in refused.value.fields
    assert services.subscriptions.list(TENANT.location_id) == []


def test_an_unknown_filter_is_refused_naming_it(services: Services) -> None:
    with pytest.raises(ValidationFailed) as refused:
        subscribe(services, TENANT, hook(filters={"no_such_filter": "x"}))
    assert any("no_such_filter" in name for name in refused.value.fields)


@pytest.mark.parametrize("url", ["https://127.0.0.1/hook", "https://10.0.0.8/hook", "https://[::1]/hook", "https://169.254.169.254/latest"])
def test_a_private_target_is_refused_where_the_stage_does_not_allow_it(services: Services, url: str) -> None:
    with pytest.raises(ValidationFailed):
        subscribe(staged(services, allow_private=False), TENANT, hook(url=url))
    assert services.subscriptions.list(TENANT.location_id) == []


@pytest.mark.parametrize(
    "url", ["https://93.184.216.34:22/hook", "https://93.184.216.34:6379/hook", "ftp://93.184.216.34/hook", "not a url"]
)
def test_a_service_port_or_a_non_web_url_is_refused_even_where_private_targets_are_allowed(services: Services, url: str) -> None:
    with pytest.raises(ValidationFailed):
        subscribe(staged(services, allow_private=True), TENANT, hook(url=url))


def test_a_target_url_over_the_limit_is_refused_by_the_model() -> None:
    with pytest.raises(ValidationFailed) as refused:
        hook(url=PUBLIC + "/" + "a" * 2048)
    assert "target_url" in refused.value.fields


def sub_to(url: str, location_id: str = TENANT.location_id) -> Subscription:
    return Subscription(f"{HOOK_PREFIX}0001", location_id, EVENT, url, {}, "s", "t")


def test_test_deliveries_to_one_host_are_limited_across_locations(services: Services) -> None:
    for n in range(TESTS_PER_HOST_PER_MINUTE):
        limit_test(services, sub_to(f"https://hooks.example/{n}", location_id=f"loc_{n % 2}"))
    with pytest.raises(RateLimited) as limited:
        limit_test(services, sub_to("https://HOOKS.example/other"))  # the same host, however written
    assert 1 <= limited.value.retry_after <= 60
    limit_test(services, sub_to("https://elsewhere.example/hook"))  # another host has its own minute


def test_the_limit_lifts_in_the_next_minute(services: Services) -> None:
    for _ in range(TESTS_PER_HOST_PER_MINUTE):
        limit_test(services, sub_to("https://hooks.example/a"))
    with pytest.raises(RateLimited) as limited:
        limit_test(services, sub_to("https://hooks.example/a"))
    services.clock.advance(limited.value.retry_after)  # type: ignore[attr-defined]
    limit_test(services, sub_to("https://hooks.example/a"))
