"""Every action and search over real HTTP: the connector on loopback, the sandbox as 7stamp, moto for storage."""

from __future__ import annotations

import pytest

from chalicelib.contract import registry
from sandbox import DEMO_KEY_A, DEMO_KEY_B

ADA = {"email": "ada@demo.example", "customer_id": "c_demo_a", "card_id": "card_demo_a"}


@pytest.fixture
def api(stack):
    with stack.client(DEMO_KEY_A) as client:
        yield client


def test_issue_card_returns_wallet_link_then_the_same_card(api, stack):
    first = api.post("/v1/actions/issue-card", json={"email": "New.Shopper@Example.com", "name": "New Shopper"})
    assert first.status_code == 200, first.text
    card = first.json()
    assert card["created"] is True
    assert card["wallet_url"].startswith("http")
    assert card["id"] in stack.sandbox.state.cards
    assert card["customer"]["email"] == "new.shopper@example.com"
    again = api.post("/v1/actions/issue-card", json={"email": "new.shopper@example.com"})
    assert again.json()["id"] == card["id"]
    assert again.json()["created"] is False


def test_issue_card_by_phone_normalises_to_e164(api, stack):
    answer = api.post("/v1/actions/issue-card", json={"phone": "(415) 555-0142", "template_id": "ct_a_lunch"})
    assert answer.status_code == 200, answer.text
    customer_id = answer.json()["customer_id"]
    assert stack.sandbox.state.customers[customer_id]["phone"] == "+14155550142"
    assert answer.json()["stamps_required"] == 6


@pytest.mark.parametrize("by", ["email", "customer_id", "card_id"])
def test_add_stamp_by_each_identifier(api, stack, by):
    before = stack.sandbox.state.cards["card_demo_a"]["stamps"]
    answer = api.post("/v1/actions/add-stamp", json={by: ADA[by], "count": 2, "comment": "order 1001"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["id"] == "card_demo_a"
    assert body["stamps_added"] == 2
    assert body["stamps"] == before + 2 == stack.sandbox.state.cards["card_demo_a"]["stamps"]
    assert body["goal_reached"] is False


def test_add_stamp_by_phone_in_national_form(api, stack):
    answer = api.post("/v1/actions/add-stamp", json={"phone": "415-555-0100"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["customer_id"] == "c_demo_a"


def test_add_stamp_reaching_the_goal_reports_the_reward(api, stack):
    answer = api.post("/v1/actions/add-stamp", json={"card_id": "card_demo_a", "count": 7})
    body = answer.json()
    assert body["goal_reached"] is True and body["goals_reached"] == 1
    assert body["vouchers"] and body["vouchers"][0]["type"] == "reward"
    assert body["vouchers"][0]["id"] in stack.sandbox.state.vouchers


def test_add_stamp_issues_the_card_first_when_asked(api, stack):
    answer = api.post("/v1/actions/add-stamp", json={"email": "web.order@example.com", "count": 3, "issue_card_if_missing": True})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["card_created"] is True
    assert body["stamps"] == 3
    assert stack.sandbox.state.cards[body["id"]]["stamps"] == 3
    assert body["wallet_url"]


def test_add_stamp_for_an_unknown_customer_is_404(api):
    answer = api.post("/v1/actions/add-stamp", json={"email": "nobody@example.com"})
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"


def test_ambiguous_customer_lists_the_choices(api):
    api.post("/v1/actions/issue-card", json={"email": "ada@demo.example", "template_id": "ct_a_lunch"})
    answer = api.post("/v1/actions/add-stamp", json={"email": "ada@demo.example"})
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert "template_id" in error["fields"]
    choices = {c["template_id"] for c in error["fields"]["choices"]}
    assert choices == {"ct_a_coffee", "ct_a_lunch"}
    chosen = api.post("/v1/actions/add-stamp", json={"email": "ada@demo.example", "template_id": "ct_a_lunch"})
    assert chosen.status_code == 200 and chosen.json()["template_id"] == "ct_a_lunch"


def test_create_voucher_from_template_and_custom(api, stack):
    templated = api.post("/v1/actions/create-voucher", json={"email": "ada@demo.example", "template_id": "vt_a_cake"})
    assert templated.status_code == 200, templated.text
    assert templated.json()["customer_id"] == "c_demo_a"
    assert templated.json()["id"] in stack.sandbox.state.vouchers
    custom = api.post(
        "/v1/actions/create-voucher",
        json={
            "card_id": "card_demo_a",
            "title": "Free dessert",
            "redeem_code": "DESSERT42",
            "redeem_code_formats": ["qr"],
            "expires_at": "2030-01-01T00:00:00Z",
        },
    )
    assert custom.status_code == 200, custom.text
    voucher = stack.sandbox.state.vouchers[custom.json()["id"]]
    assert voucher["redeem_code"] == "DESSERT42" and voucher["title"] == "Free dessert"
    assert voucher["expires_at"] == "2030-01-01T00:00:00Z"


def test_redeem_by_code_then_again_is_409(api, stack):
    api.post("/v1/actions/create-voucher", json={"customer_id": "c_demo_a", "title": "Free tea", "redeem_code": "TEATIME1"})
    first = api.post("/v1/actions/redeem-voucher", json={"redeem_code": "TEATIME1"})
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "redeemed" and first.json()["redeemed_via"] == "api"
    second = api.post("/v1/actions/redeem-voucher", json={"voucher_id": first.json()["id"]})
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "already_redeemed"


def test_find_customer_by_each_identifier_and_unknown_is_empty(api):
    for by in ("email", "customer_id", "card_id"):
        rows = api.get("/v1/searches/customer", params={by: ADA[by]}).json()
        assert len(rows) == 1, by
        assert rows[0]["id"] == "c_demo_a" and rows[0]["card_id"] == "card_demo_a"
        assert rows[0]["stamps"] == 3 and rows[0]["stamps_required"] == 10 and rows[0]["stamps_to_goal"] == 7
    assert api.get("/v1/searches/customer", params={"phone": "+14155550100"}).json()[0]["id"] == "c_demo_a"
    # written into a link as is, the + arrives as a space: read as the + it was meant to be
    assert api.get("/v1/searches/customer?phone=+14155550100").json()[0]["id"] == "c_demo_a"
    bad = api.get("/v1/searches/customer?phone=+1415")
    assert bad.status_code == 422 and "%2B" in bad.json()["error"]["fields"]["phone"], bad.text
    for by, value in (("email", "nobody@example.com"), ("customer_id", "c_nope"), ("card_id", "card_nope")):
        answer = api.get("/v1/searches/customer", params={by: value})
        assert answer.status_code == 200 and answer.json() == [], by


def test_find_voucher_by_code_and_id(api):
    created = api.post("/v1/actions/create-voucher", json={"customer_id": "c_demo_a", "title": "Muffin", "redeem_code": "MUFFIN77"}).json()
    by_code = api.get("/v1/searches/voucher", params={"redeem_code": "MUFFIN77"}).json()
    by_id = api.get("/v1/searches/voucher", params={"voucher_id": created["id"]}).json()
    assert [v["id"] for v in by_code] == [v["id"] for v in by_id] == [created["id"]]
    assert api.get("/v1/searches/voucher", params={"redeem_code": "NOSUCHCODE"}).json() == []


def test_analytics_summary(api):
    api.post("/v1/actions/add-stamp", json={"card_id": "card_demo_a"})
    rows = api.get("/v1/searches/analytics-summary", params={"from": "2026-01-01", "to": "2030-12-31"}).json()
    assert rows == [
        {
            "id": "2026-01-01..2030-12-31",
            "from": "2026-01-01",
            "to": "2030-12-31",
            "cards_issued": 0,
            "cards_saved": 0,
            "stamps_added": 1,
            "goals_reached": 0,
            "vouchers_issued": 0,
            "vouchers_redeemed": 0,
        }
    ]
    reversed_period = api.get("/v1/searches/analytics-summary", params={"from": "2030-12-31", "to": "2026-01-01"}).json()
    assert reversed_period == rows, "a period given end first is the same period"


def test_dropdown_sources(api):
    cards = api.get("/v1/options/card-templates").json()
    assert {"id": "ct_a_coffee", "label": "Coffee card"} in cards
    vouchers = api.get("/v1/options/voucher-templates").json()
    assert {v["id"] for v in vouchers} == {"vt_a_welcome", "vt_a_cake"}
    events = api.get("/v1/options/events").json()
    assert len(events) == len(registry.triggers()) and {"id": "voucher_redeemed", "label": "Voucher Redeemed"} in events
    assert api.get("/v1/options/nothing").status_code == 404


def test_another_locations_objects_are_out_of_reach(stack):
    with stack.client(DEMO_KEY_B) as b:
        answer = b.post("/v1/actions/add-stamp", json={"card_id": "card_demo_a"})
        unknown = b.post("/v1/actions/add-stamp", json={"card_id": "card_unknown"})
        assert (answer.status_code, answer.json()) == (404, unknown.json()), "answered exactly as an unknown card"
        assert b.get("/v1/searches/customer", params={"email": "ada@demo.example"}).json() == []
    assert stack.sandbox.state.cards["card_demo_a"]["stamps"] == 3


@pytest.mark.parametrize(
    ("path", "field", "value"),
    [
        ("/v1/actions/redeem-voucher", "voucher_id", ".."),
        ("/v1/actions/redeem-voucher", "voucher_id", "."),
        ("/v1/actions/add-stamp", "card_id", "../customers"),
        ("/v1/actions/add-stamp", "customer_id", "c_1\\..\\x"),
        ("/v1/searches/voucher", "voucher_id", "..."),
    ],
)
def test_an_id_that_would_walk_a_7stamp_path_is_a_422_naming_the_field(api, path, field, value):
    answer = api.get(path, params={field: value}) if path.startswith("/v1/searches") else api.post(path, json={field: value})
    assert answer.status_code == 422, answer.text
    assert "no slash or backslash, and not only dots" in answer.json()["error"]["fields"][field]
