"""Subscriptions as the hook routes use them: one per (event, target) per tenant, listed, fetched and deleted per tenant.

The breaker's fields (strikes, probes) change often and are covered by tests/chalicelib/pipeline/test_breaker.py;
this file holds the store's lasting contract.
"""

from __future__ import annotations

import threading

import pytest

from chalicelib.container import Services
from chalicelib.store.records import Subscription
from chalicelib.store.subscriptions import HOOK_PREFIX


def sub(n: int, location_id: str = "loc_a", event: str = "stamp_added", url: str = "https://hooks.example/a") -> Subscription:
    return Subscription(
        id=f"{HOOK_PREFIX}{n:04d}",
        location_id=location_id,
        event=event,
        target_url=url,
        filters={"card_id": ["card_1", "card_2"]},
        secret=f"secret-{n}",
        created_at="2027-01-15T10:00:00Z",
    )


def test_a_stored_subscription_comes_back_as_it_was_given(services: Services) -> None:
    given = sub(1)
    assert services.subscriptions.create(given) is None
    assert services.subscriptions.get("loc_a", given.id) == given
    assert services.subscriptions.list("loc_a") == [given]


def test_a_second_subscription_of_the_same_event_and_url_names_the_first(services: Services) -> None:
    first = sub(1)
    services.subscriptions.create(first)
    assert services.subscriptions.create(sub(2)) == first.id
    assert [s.id for s in services.subscriptions.list("loc_a")] == [first.id]


def test_another_event_url_or_tenant_is_a_new_subscription(services: Services) -> None:
    services.subscriptions.create(sub(1))
    assert services.subscriptions.create(sub(2, event="reward_redeemed")) is None
    assert services.subscriptions.create(sub(3, url="https://hooks.example/b")) is None
    assert services.subscriptions.create(sub(4, location_id="loc_b")) is None
    assert len(services.subscriptions.list("loc_a")) == 3


def test_concurrent_subscribes_of_one_event_and_url_store_one(services: Services) -> None:
    answers: list[str | None] = []
    lock = threading.Lock()

    def subscribe(n: int) -> None:
        answer = services.subscriptions.create(sub(n))
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=subscribe, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    stored = services.subscriptions.list("loc_a")
    assert answers.count(None) == 1 and len(stored) == 1
    assert {a for a in answers if a is not None} == {stored[0].id}


def test_a_tenant_never_sees_or_deletes_another_tenants_subscription(services: Services) -> None:
    theirs = sub(1, location_id="loc_b")
    services.subscriptions.create(theirs)
    assert services.subscriptions.get("loc_a", theirs.id) is None
    assert services.subscriptions.list("loc_a") == []
    assert services.subscriptions.get_many("loc_a", [theirs.id]) == {}
    assert services.subscriptions.delete("loc_a", theirs.id) is False
    assert not services.subscriptions.disable("loc_a", theirs.id, "no")
    assert services.subscriptions.get("loc_b", theirs.id) == theirs


def test_delete_frees_the_event_and_url_for_a_new_subscription(services: Services) -> None:
    first = sub(1)
    services.subscriptions.create(first)
    assert services.subscriptions.delete("loc_a", first.id) is True
    assert services.subscriptions.delete("loc_a", first.id) is False
    assert services.subscriptions.get("loc_a", first.id) is None
    assert services.subscriptions.create(sub(2)) is None


@pytest.mark.parametrize("made_up", ["", "target#stamp_added#abc", "hook", "HOOK_0001", "../hook_0001"])
def test_an_id_that_is_no_subscription_id_finds_nothing(services: Services, made_up: str) -> None:
    services.subscriptions.create(sub(1))
    assert services.subscriptions.get("loc_a", made_up) is None
    assert services.subscriptions.delete("loc_a", made_up) is False


def test_the_partitions_target_items_are_never_listed_or_fetched_as_subscriptions(services: Services) -> None:
    services.subscriptions.create(sub(1))
    services.subscriptions.create(sub(2, event="card_completed"))
    listed = services.subscriptions.list("loc_a")
    assert sorted(s.id for s in listed) == [f"{HOOK_PREFIX}0001", f"{HOOK_PREFIX}0002"]
    assert all(s.id.startswith(HOOK_PREFIX) for s in listed)


def test_get_many_returns_those_that_exist_once_each(services: Services) -> None:
    a, b = sub(1), sub(2, event="card_completed")
    services.subscriptions.create(a)
    services.subscriptions.create(b)
    found = services.subscriptions.get_many("loc_a", [a.id, a.id, b.id, f"{HOOK_PREFIX}9999"])
    assert found == {a.id: a, b.id: b}


def test_a_listing_pages_through_every_subscription(services: Services) -> None:
    count = 40
    for n in range(count):
        services.subscriptions.create(sub(n, url=f"https://hooks.example/{n}"))
    assert len({s.id for s in services.subscriptions.list("loc_a")}) == count


def test_disable_keeps_why_and_when_and_enable_clears_it(services: Services) -> None:
    given = sub(1)
    services.subscriptions.create(given)
    reason = "x" * 500
    assert services.subscriptions.disable("loc_a", given.id, reason)
    disabled = services.subscriptions.get("loc_a", given.id)
    assert disabled is not None and disabled.disabled
    assert disabled.disabled_at == services.clock.now()
    assert disabled.disabled_reason == reason[:200]  # bounded for the console
    assert services.subscriptions.enable("loc_a", given.id)
    assert services.subscriptions.get("loc_a", given.id) == given


def test_disable_or_enable_of_a_missing_subscription_is_false_and_creates_nothing(services: Services) -> None:
    assert not services.subscriptions.enable("loc_a", f"{HOOK_PREFIX}0404")
    assert not services.subscriptions.disable("loc_a", f"{HOOK_PREFIX}0404", "why")
    assert services.subscriptions.list("loc_a") == []
