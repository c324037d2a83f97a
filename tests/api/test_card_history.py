"""Find Card History: a card's history newest first, by card id or by the customer, refusing other locations' cards."""

from __future__ import annotations

from sandbox import DEMO_KEY_A, DEMO_KEY_B


def _stamp(c, count: int) -> None:
    answer = c.post("/v1/actions/add-stamp", json={"card_id": "card_demo_a", "count": count, "comment": f"check {count}"})
    assert answer.status_code == 200, answer.text


def test_the_history_of_a_card_newest_first_and_limited(stack):
    with stack.client(DEMO_KEY_A) as c:
        for count in (1, 2, 3):
            _stamp(c, count)
        history = c.get("/v1/searches/card-history", params={"card_id": "card_demo_a"})
        assert history.status_code == 200, history.text
        stamps = [e for e in history.json() if e["type"] == "stamp_added"]
        assert len(stamps) == 3
        assert [e["data"]["stamp"]["count"] for e in stamps] == [3, 2, 1]  # newest first
        assert all(e["card_id"] == "card_demo_a" for e in history.json())
        assert len(c.get("/v1/searches/card-history", params={"card_id": "card_demo_a", "limit": "2"}).json()) == 2


def test_by_the_customers_email_or_id(stack):
    with stack.client(DEMO_KEY_A) as c:
        _stamp(c, 1)
        by_card = c.get("/v1/searches/card-history", params={"card_id": "card_demo_a"}).json()
        by_email = c.get("/v1/searches/card-history", params={"email": "ada@demo.example"}).json()
        by_customer = c.get("/v1/searches/card-history", params={"customer_id": "c_demo_a"}).json()
    assert [e["id"] for e in by_email] == [e["id"] for e in by_card] == [e["id"] for e in by_customer]
    assert {e["customer_id"] for e in by_email} == {"c_demo_a"}


def test_bad_input_is_422_and_another_locations_card_is_404(stack):
    with stack.client(DEMO_KEY_A) as c:
        assert c.get("/v1/searches/card-history", params={"card_id": "card_demo_a", "limit": "500"}).status_code == 422
        none = c.get("/v1/searches/card-history")
        assert none.status_code == 422 and "card_id" in none.json()["error"]["fields"]
    with stack.client(DEMO_KEY_B) as b:
        foreign = b.get("/v1/searches/card-history", params={"card_id": "card_demo_a"})
        unknown = b.get("/v1/searches/card-history", params={"card_id": "card_nobody"})
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json() == unknown.json()
