"""What every route shares: idempotent replays, cursor pagination, and objects of another location refused."""

from __future__ import annotations

from typing import Any

import httpx
from sandbox_support import error_code, issue

from sandbox import Sandbox


def test_idempotent_replay_and_conflict(sb: Sandbox, a: httpx.Client, b: httpx.Client) -> None:
    body = {"email": "idem@example.com"}
    first = a.post("/v1/cards", json=body, headers={"Idempotency-Key": "order-1"})
    replay = a.post("/v1/cards", json=body, headers={"Idempotency-Key": "order-1"})
    assert first.status_code == replay.status_code == 201
    assert first.json() == replay.json()
    assert sum(c["customer_id"] == first.json()["customer"]["id"] for c in sb.state.cards.values()) == 1
    conflict = a.post("/v1/cards", json={"email": "other@example.com"}, headers={"Idempotency-Key": "order-1"})
    assert conflict.status_code == 409 and error_code(conflict) == "idempotency_conflict"
    other_location = b.post("/v1/cards", json={"email": "other@example.com"}, headers={"Idempotency-Key": "order-1"})
    assert other_location.status_code == 201

    card_id = first.json()["card"]["id"]
    for _ in range(2):
        stamped = a.post(f"/v1/cards/{card_id}/stamps", json={"count": 2}, headers={"Idempotency-Key": "pos-7"})
        assert stamped.json()["card"]["stamps"] == 2
    assert sb.state.cards[card_id]["stamps"] == 2
    too_long = a.post("/v1/cards", json=body, headers={"Idempotency-Key": "k" * 256})
    assert too_long.status_code == 422 and "Idempotency-Key" in too_long.json()["error"]["fields"]


def test_lists_are_cursor_paginated_newest_first(a: httpx.Client) -> None:
    made = [issue(a, f"page{i}@example.com")["customer"]["id"] for i in range(5)]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = a.get("/v1/customers", params=params).json()
        seen += [c["id"] for c in page["data"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == [*reversed(made), "c_demo_a"]
    assert a.get("/v1/customers").json()["next_cursor"] is None
    for bad in ({"limit": 0}, {"limit": 101}, {"limit": "x"}, {"cursor": "bogus!"}):
        assert a.get("/v1/customers", params=bad).status_code == 422
    templates = a.get("/v1/templates/vouchers", params={"limit": 1}).json()
    assert len(templates["data"]) == 1 and templates["next_cursor"]


def test_objects_of_another_location_are_403(a: httpx.Client, b: httpx.Client) -> None:
    assert error_code(a.get("/v1/cards/card_demo_b")) == "forbidden"
    assert a.post("/v1/cards/card_demo_b/stamps", json={"count": 1}).status_code == 403
    assert a.get("/v1/customers/c_demo_b").status_code == 403
    voucher = b.post("/v1/vouchers", json={"customer_id": "c_demo_b", "title": "Harbour only"}).json()
    assert a.get(f"/v1/vouchers/{voucher['id']}").status_code == 403
    assert a.post(f"/v1/vouchers/{voucher['id']}/redeem").status_code == 403
    hook = b.post("/v1/webhooks", json={"url": "https://example.com/hook", "events": ["*"]}).json()
    assert a.delete(f"/v1/webhooks/{hook['id']}").status_code == 403
    assert error_code(a.get("/v1/cards/card_nope")) == "not_found"
    assert a.get("/v1/customers").json()["data"][-1]["id"] == "c_demo_a"
