"""Vouchers issued, found, redeemed once and expired; the analytics summary that counts them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sandbox_support import error_code, issue

from sandbox import Sandbox


def test_vouchers_issue_find_and_redeem_once(sb: Sandbox, a: httpx.Client) -> None:
    created = a.post(
        "/v1/vouchers",
        json={
            "customer_id": "c_demo_a",
            "title": "Free cookie",
            "redeem_code": "FREECOOKIE",
            "redeem_code_formats": ["qr"],
            "expires_at": "2099-01-01T10:00:00+02:00",
        },
    )
    assert created.status_code == 201
    voucher = created.json()
    assert voucher["expires_at"] == "2099-01-01T08:00:00Z" and voucher["redeem_code_formats"] == ["qr"]
    taken = a.post("/v1/vouchers", json={"customer_id": "c_demo_a", "title": "x", "redeem_code": "freecookie"})
    assert taken.status_code == 409 and error_code(taken) == "conflict"
    found = a.get("/v1/vouchers", params={"redeem_code": "FREECOOKIE"}).json()["data"]
    assert [v["id"] for v in found] == [voucher["id"]]

    redeemed = a.post(f"/v1/vouchers/{voucher['id']}/redeem", json={"comment": "till 2"})
    assert redeemed.status_code == 200
    assert redeemed.json()["status"] == "redeemed" and redeemed.json()["redeemed_via"] == "api"
    assert redeemed.json()["redeemed_at"] is not None
    again = a.post(f"/v1/vouchers/{voucher['id']}/redeem")
    assert again.status_code == 409 and error_code(again) == "already_redeemed"
    assert a.get("/v1/vouchers", params={"status": "redeemed"}).json()["data"][0]["id"] == voucher["id"]

    templated = a.post("/v1/vouchers", json={"card_id": "card_demo_a", "template_id": "vt_a_welcome"}).json()
    assert templated["title"] == "10% off your next visit" and templated["expires_at"] is not None
    sb.state.vouchers[templated["id"]]["expires_at"] = "2020-01-01T00:00:00Z"
    expired = a.post(f"/v1/vouchers/{templated['id']}/redeem")
    assert expired.status_code == 409 and error_code(expired) == "voucher_expired"


@pytest.mark.parametrize(
    "body, bad_field",
    [
        ({"title": "x"}, "customer_id"),
        ({"customer_id": "c_demo_a"}, "title"),
        ({"customer_id": "c_demo_a", "template_id": "vt_b_cake"}, "template_id"),
        ({"customer_id": "c_demo_a", "title": "x", "redeem_code_formats": ["fax"]}, "redeem_code_formats"),
        ({"customer_id": "c_demo_a", "title": "x", "redeem_code_formats": []}, "redeem_code_formats"),
        ({"customer_id": "c_demo_a", "title": "x", "expires_at": "tomorrow"}, "expires_at"),
        ({"customer_id": "c_demo_a", "title": "x", "expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
    ],
)
def test_voucher_validation(a: httpx.Client, body: dict[str, Any], bad_field: str) -> None:
    response = a.post("/v1/vouchers", json=body)
    assert response.status_code == 422 and bad_field in response.json()["error"]["fields"]


def test_analytics_counts_the_period(a: httpx.Client) -> None:
    card_id = issue(a, "count@example.com")["card"]["id"]
    a.post(f"/v1/cards/{card_id}/stamps", json={"count": 12})
    summary = a.get("/v1/analytics/summary", params={"from": "2020-01-01", "to": "2099-12-31"}).json()
    assert summary == {
        "cards_issued": 1,
        "cards_saved": 0,
        "stamps_added": 12,
        "goals_reached": 1,
        "vouchers_issued": 1,
        "vouchers_redeemed": 0,
    }
    empty = a.get("/v1/analytics/summary", params={"from": "2020-01-01", "to": "2020-01-31T00:00:00Z"}).json()
    assert set(empty.values()) == {0}
    assert a.get("/v1/analytics/summary", params={"from": "yesterday"}).status_code == 422
    assert a.get("/v1/analytics/summary", params={"from": "2021-01-02", "to": "2021-01-01"}).status_code == 422
