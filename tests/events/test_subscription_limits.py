"""Limits against amplification (issue 23.9): one subscription per (event, URL), a per-location limit, non-web ports
refused, and a per-host rate for test deliveries."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from event_support import receiving, subscribe

from chalicelib.api import hook_requests
from chalicelib.store.records import Subscription
from sandbox import DEMO_KEY_A, DEMO_KEY_B, DEMO_LOCATION_A


def test_a_second_subscription_of_one_event_and_url_is_a_409_naming_the_first(stack, receiver):
    with stack.client(DEMO_KEY_A) as c:
        first = subscribe(c, "stamp_added", receiver.url)
        again = c.post("/v1/hooks", json={"event": "stamp_added", "target_url": receiver.url})
        assert again.status_code == 409, again.text
        error = again.json()["error"]
        assert error["code"] == "duplicate_subscription" and first["id"] in error["message"]
        assert subscribe(c, "goal_reached", receiver.url)["id"] != first["id"]  # another event to the same URL is another subscription
        assert c.delete(f"/v1/hooks/{first['id']}").status_code == 204
        assert subscribe(c, "stamp_added", receiver.url)["id"] != first["id"]  # free again once unsubscribed
        assert len(c.get("/v1/hooks").json()) == 2  # the store's target items are not subscriptions
    with stack.client(DEMO_KEY_B) as other:
        assert subscribe(other, "stamp_added", receiver.url)  # another location's subscription is its own


def test_concurrent_subscribes_of_one_event_and_url_store_one(stack, receiver):
    store = stack.services.subscriptions

    def create(i: int) -> str | None:
        sub = Subscription(f"hook_race{i:02d}", DEMO_LOCATION_A, "stamp_added", receiver.url, {}, "whsec_x", "2026-12-03T00:00:00Z")
        return store.create(sub)

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(create, range(6)))
    [stored] = store.list(DEMO_LOCATION_A)
    assert results.count(None) == 1 and set(results) == {None, stored.id}  # the others were told which one holds it


def test_a_location_holds_at_most_the_stated_number_of_subscriptions(stack, receiver, monkeypatch):
    monkeypatch.setattr(hook_requests, "MAX_SUBSCRIPTIONS", 2)
    with stack.client(DEMO_KEY_A) as c:
        subscribe(c, "stamp_added", receiver.url)
        subscribe(c, "goal_reached", receiver.url)
        third = c.post("/v1/hooks", json={"event": "card_issued", "target_url": receiver.url})
    assert third.status_code == 422 and "already has 2 subscriptions" in third.json()["error"]["message"]


def test_ports_of_services_that_are_not_web_servers_are_refused_at_subscribe(stack):
    with stack.client(DEMO_KEY_A) as c:
        for url in ("https://example.com:22/x", "https://example.com:6379/", "https://example.com:25"):
            answer = c.post("/v1/hooks", json={"event": "stamp_added", "target_url": url})
            assert answer.status_code == 422, (url, answer.text)
            assert "port" in answer.json()["error"]["fields"]["target_url"]


def test_test_deliveries_to_one_host_are_rated_per_minute_across_locations(stack, clock):
    clock.advance(60 - clock.now() % 60 + 1)  # the start of a minute: the loop below stays within one window
    with stack.client(DEMO_KEY_A) as a, stack.client(DEMO_KEY_B) as b:
        with receiving() as receiver:
            hook_a = subscribe(a, "stamp_added", receiver.url)
            hook_b = subscribe(b, "stamp_added", receiver.url)
            answers = [a.post(f"/v1/hooks/{hook_a['id']}/test") for _ in range(hook_requests.TESTS_PER_HOST_PER_MINUTE - 1)]
            answers.append(b.post(f"/v1/hooks/{hook_b['id']}/test"))
            assert [r.status_code for r in answers] == [200] * hook_requests.TESTS_PER_HOST_PER_MINUTE
            refused = b.post(f"/v1/hooks/{hook_b['id']}/test")
            assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
            assert "127.0.0.1" in refused.json()["error"]["message"]
            assert len(receiver.received) == hook_requests.TESTS_PER_HOST_PER_MINUTE
            other_host = subscribe(a, "goal_reached", receiver.url.replace("127.0.0.1", "localhost"))
            assert a.post(f"/v1/hooks/{other_host['id']}/test").status_code == 200
            clock.advance(60)
            assert b.post(f"/v1/hooks/{hook_b['id']}/test").status_code == 200
