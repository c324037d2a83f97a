"""Cards issued to new and returning customers, stamps and the rewards they earn, and customer search."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from sandbox_support import error_code, issue

from sandbox import Sandbox


def test_issue_card_is_201_then_200_with_the_same_card(sb: Sandbox, a: httpx.Client) -> None:
    first = a.post("/v1/cards", json={"email": "Zoe@Example.com", "name": "Zoe", "birthday": "1991-02-03"})
    assert first.status_code == 201
    card, customer = first.json()["card"], first.json()["customer"]
    assert card["id"].startswith("card_") and card["wallet_pass_id"].startswith("wp_")
    assert card["template_id"] == "ct_a_coffee" and card["stamps_required"] == 10 and card["status"] == "issued"
    assert card["wallet_url"].startswith(f"{sb.url}/wallet/")
    assert customer["email"] == "zoe@example.com" and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", customer["created_at"])
    again = a.post("/v1/cards", json={"email": "zoe@example.com", "phone": "(415) 555-0123"})
    assert again.status_code == 200
    assert again.json()["card"]["id"] == card["id"]
    assert again.json()["customer"]["phone"] == "+14155550123"
    by_phone = a.post("/v1/cards", json={"phone": "+1 415-555-0123"})
    assert by_phone.status_code == 200 and by_phone.json()["card"]["id"] == card["id"]
    lunch = a.post("/v1/cards", json={"phone": "4155550123", "template_id": "ct_a_lunch"})
    assert lunch.status_code == 201 and lunch.json()["customer"]["id"] == customer["id"]
    assert sb.state.cards[card["id"]]["customer_id"] == customer["id"]
    assert [e["type"] for e in a.get(f"/v1/cards/{card['id']}/history").json()["data"]] == ["card_issued"]
    assert httpx.get(card["wallet_url"]).json()["card"]["id"] == card["id"]


@pytest.mark.parametrize(
    "body, bad_fields",
    [
        ({}, {"email", "phone"}),
        ({"email": "not-an-email"}, {"email"}),
        ({"phone": "12"}, {"phone"}),
        ({"email": "ok@example.com", "birthday": "2026-02-30"}, {"birthday"}),
        ({"email": "ok@example.com", "template_id": "ct_nope"}, {"template_id"}),
        ({"email": "ok@example.com", "template_id": "ct_b_coffee"}, {"template_id"}),
    ],
)
def test_issue_card_validation(a: httpx.Client, body: dict[str, Any], bad_fields: set[str]) -> None:
    response = a.post("/v1/cards", json=body)
    assert response.status_code == 422
    assert error_code(response) == "validation_error"
    assert set(response.json()["error"]["fields"]) == bad_fields


def test_stamps_reaching_the_goal_issue_a_reward_voucher(sb: Sandbox, a: httpx.Client) -> None:
    card_id = issue(a, "stamps@example.com")["card"]["id"]
    nine = a.post(f"/v1/cards/{card_id}/stamps", json={"count": 9}).json()
    assert (nine["stamps_added"], nine["goals_reached"], nine["vouchers"]) == (9, 0, [])
    result = a.post(f"/v1/cards/{card_id}/stamps", json={"count": 3, "comment": "lunch rush"}).json()
    assert result["goals_reached"] == 1 and result["stamps_added"] == 3
    assert {k: result["card"][k] for k in ("stamps", "goal_index", "total_stamps")} == {"stamps": 2, "goal_index": 1, "total_stamps": 12}
    assert result["card"]["last_stamp_at"] is not None
    [voucher] = result["vouchers"]
    assert voucher["type"] == "reward" and voucher["title"] == "Free coffee" and voucher["card_id"] == card_id
    assert re.fullmatch(r"[A-HJKMNP-Z2-9]{8}", voucher["redeem_code"])
    assert sb.state.vouchers[voucher["id"]]["status"] == "issued"
    assert sb.state.cards[card_id]["stamps"] == 2
    history = [e["type"] for e in a.get(f"/v1/cards/{card_id}/history").json()["data"]]
    assert history[:4] == ["voucher_issued", "reward_issued", "goal_reached", "stamp_added"]
    for count in (0, 51, "3", None):
        response = a.post(f"/v1/cards/{card_id}/stamps", json={"count": count})
        assert response.status_code == 422 and "count" in response.json()["error"]["fields"]


def test_customer_search_by_email_and_phone(a: httpx.Client) -> None:
    issued = issue(a, "find.me@example.com", phone="+44 20 7946 0958")
    by_email = a.get("/v1/customers", params={"email": "FIND.me@example.com"}).json()["data"]
    by_phone = a.get("/v1/customers", params={"phone": "+442079460958"}).json()["data"]
    assert [c["id"] for c in by_email] == [c["id"] for c in by_phone] == [issued["customer"]["id"]]
    assert by_email[0]["cards"][0]["id"] == issued["card"]["id"]
    one = a.get(f"/v1/customers/{issued['customer']['id']}").json()
    assert one["cards"][0]["id"] == issued["card"]["id"]
    assert a.get("/v1/customers", params={"phone": "nope"}).status_code == 422
