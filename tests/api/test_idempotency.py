"""Every write is idempotent: one key, one effect; the same key with other input is 409."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sandbox import DEMO_KEY_A, DEMO_KEY_B


def stamps(stack) -> int:
    return stack.sandbox.state.cards["card_demo_a"]["stamps"]


def test_add_stamp_three_times_with_one_key_adds_once(stack):
    with stack.client(DEMO_KEY_A) as c:
        answers = [
            c.post("/v1/actions/add-stamp", json={"card_id": "card_demo_a", "count": 2}, headers={"Idempotency-Key": "order-1001"})
            for _ in range(3)
        ]
        assert [a.status_code for a in answers] == [200, 200, 200]
        assert answers[0].json() == answers[1].json() == answers[2].json()
        assert stamps(stack) == 3 + 2
        other = c.post("/v1/actions/add-stamp", json={"card_id": "card_demo_a", "count": 3}, headers={"Idempotency-Key": "order-1001"})
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_conflict"
    assert stamps(stack) == 5


def test_the_key_may_come_as_a_field_a_scenario_maps(stack):
    body = {"email": "web.shopper@example.com", "count": 1, "issue_card_if_missing": True, "idempotency_key": "order-77"}
    with stack.client(DEMO_KEY_A) as c:
        first = c.post("/v1/actions/add-stamp", json=body).json()
        second = c.post("/v1/actions/add-stamp", json=body).json()
    assert first == second
    assert first["card_created"] is True
    assert stack.sandbox.state.cards[first["id"]]["stamps"] == 1
    cards = [c for c in stack.sandbox.state.cards.values() if c["customer_id"] == first["customer_id"]]
    assert len(cards) == 1


def test_concurrent_retries_with_one_key_add_once(stack):
    with stack.client(DEMO_KEY_A) as c:
        c.get("/v1/me")

        def send(_: int) -> int:
            return c.post("/v1/actions/add-stamp", json={"card_id": "card_demo_a"}, headers={"Idempotency-Key": "burst-1"}).status_code

        with ThreadPoolExecutor(max_workers=5) as pool:
            statuses = list(pool.map(send, range(5)))
    assert set(statuses) <= {200, 409}
    assert statuses.count(200) >= 1
    assert stamps(stack) == 4


def test_keys_are_per_location(stack):
    with stack.client(DEMO_KEY_A) as a, stack.client(DEMO_KEY_B) as b:
        assert a.post("/v1/actions/add-stamp", json={"card_id": "card_demo_a"}, headers={"Idempotency-Key": "shared"}).status_code == 200
        answer = b.post("/v1/actions/add-stamp", json={"card_id": "card_demo_b"}, headers={"Idempotency-Key": "shared"})
    assert answer.status_code == 200
    assert stack.sandbox.state.cards["card_demo_b"]["stamps"] == 1


def test_a_failed_call_can_be_retried_with_its_key(stack):
    with stack.client(DEMO_KEY_A) as c:
        c.get("/v1/me")
        stack.fault(path_prefix="/v1/cards", status=500, times=20)
        assert c.post("/v1/actions/add-stamp", json={"card_id": "card_demo_a"}, headers={"Idempotency-Key": "retry-me"}).status_code == 502
        stack.clear_faults()
        assert c.post("/v1/actions/add-stamp", json={"card_id": "card_demo_a"}, headers={"Idempotency-Key": "retry-me"}).status_code == 200
    assert stamps(stack) == 4
