"""Bad input and a failing 7stamp: each answered with the right status and a clear error, never a 500, never the key."""

from __future__ import annotations

import logging

import httpx
import pytest

from sandbox import DEMO_KEY_A, DEMO_KEY_REVOKED


def assert_clean(answer: httpx.Response, *secrets: str) -> None:
    assert answer.status_code != 500
    assert "Traceback" not in answer.text and 'File "' not in answer.text
    for secret in secrets:
        assert secret not in answer.text and secret not in str(answer.headers)
    error = answer.json()["error"]
    assert error["code"] and error["message"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-API-Key": "not-a-key"},
        {"X-API-Key": "7loc_sc_short"},
        {"Authorization": "Bearer 7loc_sc_" + "x" * 200},
        {"Authorization": "Basic 7loc_sc_demoA_downtown_0123456789"},
        {"X-API-Key": "7loc_sc_has spaces in it 0123"},
    ],
)
def test_missing_or_malformed_keys_are_401_without_calling_7stamp(stack, headers):
    # Were the connector to call 7stamp, this fault would turn the answer into a 502.
    stack.fault(path_prefix="/v1", status=500, times=100)
    answer = httpx.get(f"{stack.connector}/v1/me", headers=headers)
    assert answer.status_code == 401
    assert_clean(answer, *headers.values())


def test_a_revoked_key_is_401(stack):
    answer = httpx.get(f"{stack.connector}/v1/me", headers={"Authorization": f"Bearer {DEMO_KEY_REVOKED}"})
    assert answer.status_code == 401
    assert_clean(answer, DEMO_KEY_REVOKED)


def test_an_unknown_key_is_401(stack):
    answer = httpx.get(f"{stack.connector}/v1/me", headers={"X-API-Key": "7loc_sc_unknown_key_0123456789"})
    assert answer.status_code == 401


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/actions/issue-card", {"email": "not-an-email"}, "email"),
        ("/v1/actions/issue-card", {"phone": "12"}, "phone"),
        ("/v1/actions/issue-card", {"email": "a@example.com", "birthday": "11/05/1990"}, "birthday"),
        ("/v1/actions/issue-card", {"name": "No contact"}, "email"),
        ("/v1/actions/add-stamp", {"email": "a@example.com", "count": 0}, "count"),
        ("/v1/actions/add-stamp", {"email": "a@example.com", "count": 51}, "count"),
        ("/v1/actions/add-stamp", {"email": "a@example.com", "count": "lots"}, "count"),
        ("/v1/actions/add-stamp", {"email": "a@example.com", "colour": "red"}, "colour"),
        ("/v1/actions/create-voucher", {"customer_id": "c_demo_a"}, "title"),
        (
            "/v1/actions/create-voucher",
            {"customer_id": "c_demo_a", "title": "x", "redeem_code_formats": ["hologram"]},
            "redeem_code_formats.0",
        ),
        ("/v1/actions/create-voucher", {"customer_id": "c_demo_a", "title": "x", "expires_at": "tomorrow"}, "expires_at"),
        ("/v1/actions/redeem-voucher", {}, "voucher_id"),
    ],
)
def test_bad_fields_are_422_naming_the_field(stack, path, body, field):
    with stack.client(DEMO_KEY_A) as c:
        answer = c.post(path, json=body)
    assert answer.status_code == 422, answer.text
    assert field in answer.json()["error"]["fields"]
    assert_clean(answer, DEMO_KEY_A)


def test_two_identifiers_at_once_are_422(stack):
    with stack.client(DEMO_KEY_A) as c:
        answer = c.post("/v1/actions/add-stamp", json={"email": "ada@demo.example", "card_id": "card_demo_a"})
    assert answer.status_code == 422
    assert {"email", "card_id"} <= set(answer.json()["error"]["fields"])


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"text"', b"\xff\xfe"])
def test_unreadable_bodies_are_400(stack, raw):
    with stack.client(DEMO_KEY_A) as c:
        answer = c.post("/v1/actions/add-stamp", content=raw, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert_clean(answer)


def test_a_body_over_256_kb_is_413(stack):
    with stack.client(DEMO_KEY_A) as c:
        answer = c.post("/v1/actions/add-stamp", json={"email": "a@example.com", "comment": "x" * (300 * 1024)})
    assert answer.status_code == 413
    assert_clean(answer)


def test_7stamp_throttling_is_429_with_retry_after(stack):
    with stack.client(DEMO_KEY_A) as c:
        c.get("/v1/me")  # the key is known before 7stamp starts throttling
        stack.fault(path_prefix="/v1/cards", status=429, retry_after=30, times=20)
        answer = c.post("/v1/actions/add-stamp", json={"card_id": "card_demo_a"})
    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == "30"
    assert_clean(answer)


def test_7stamp_failing_is_502(stack):
    with stack.client(DEMO_KEY_A) as c:
        c.get("/v1/me")
        stack.fault(path_prefix="/v1/cards", status=500, times=20)
        answer = c.post("/v1/actions/add-stamp", json={"card_id": "card_demo_a"})
    assert answer.status_code == 502
    assert_clean(answer)
    assert stack.sandbox.state.cards["card_demo_a"]["stamps"] == 3


def test_7stamp_hanging_is_504_within_the_time_limit(stack):
    with stack.client(DEMO_KEY_A) as c:
        c.get("/v1/me")
        stack.fault(path_prefix="/v1/cards", hang_seconds=25, times=5)
        answer = c.post("/v1/actions/add-stamp", json={"card_id": "card_demo_a"}, timeout=30)
    assert answer.status_code == 504  # the client's deadline (10 s) ends it, well within Zapier's 30 s
    assert_clean(answer)


def test_7stamp_unreachable_is_502(stack, monkeypatch):
    with stack.client(DEMO_KEY_A) as c:
        c.get("/v1/me")
        monkeypatch.setenv("SEVENSTAMP_API_URL", "http://127.0.0.1:9")
        stack.rebuild()
        answer = c.post("/v1/actions/add-stamp", json={"card_id": "card_demo_a"})
    assert answer.status_code == 502
    assert_clean(answer)


def test_the_key_never_reaches_the_logs(stack, caplog):
    caplog.set_level(logging.DEBUG)
    with stack.client(DEMO_KEY_A) as c:
        c.get("/v1/me")
        c.post("/v1/actions/add-stamp", json={"email": "nobody@example.com"})
        stack.fault(path_prefix="/v1/cards", status=500, times=20)
        c.post("/v1/actions/add-stamp", json={"card_id": "card_demo_a"})
    assert caplog.records
    assert DEMO_KEY_A not in caplog.text


def test_unknown_action_and_search_are_404(stack):
    with stack.client(DEMO_KEY_A) as c:
        assert c.post("/v1/actions/launch-rocket", json={}).status_code == 404
        assert c.get("/v1/searches/rocket").status_code == 404


@pytest.mark.parametrize(
    "path", ["/v1/catalog", "/v1/hooks", "/v1/triggers/any", "/v1/options/events", "/v1/searches/customer?email=a@example.com"]
)
def test_every_route_but_health_openapi_and_inbound_needs_a_key(stack, path):
    assert httpx.get(f"{stack.connector}{path}").status_code == 401
    assert httpx.get(f"{stack.connector}/health").status_code == 200


def test_the_openapi_document_is_served_without_a_key(stack):
    """It holds no data, and tools such as Power Automate import it by URL."""
    answer = httpx.get(f"{stack.connector}/openapi.json")
    assert answer.status_code == 200
    assert answer.json()["paths"]["/openapi.json"]["get"]["security"] == []
