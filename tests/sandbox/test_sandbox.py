"""The 7stamp sandbox over real sockets on 127.0.0.1: the contract's rules, faults and signed webhooks."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

import httpx
import pytest
from standardwebhooks import Webhook

from sandbox import DEMO_KEY_A, DEMO_KEY_B, DEMO_KEY_REVOKED, DEMO_LOCATION_A, DEMO_LOCATION_B, Sandbox

T = TypeVar("T")
EVENTS = (
    "card_issued", "card_saved", "card_opened", "stamp_added", "goal_reached", "reward_issued", "voucher_issued",
    "voucher_redeemed", "voucher_expired", "lottery_played", "birthday_reached", "inactivity_trigger",
    "campaign_sent",
)


def wait_until(condition: Callable[[], T], timeout: float = 5.0) -> T:
    """Polls until `condition` returns something truthy; fails at the deadline instead of sleeping blind."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail("condition not met before the deadline")
        time.sleep(0.01)


class Receiver:
    """A webhook endpoint on 127.0.0.1; paths under /fail-once answer 500 to the first try of each message."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self._failed: set[str] = set()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                message_id = self.headers.get("webhook-id", "")
                with receiver._lock:
                    receiver.requests.append({
                        "path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body,
                    })
                    fail = self.path.startswith("/fail-once") and message_id not in receiver._failed
                    receiver._failed.add(message_id)
                self.send_response(500 if fail else 204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    def received(self, message_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [r for r in self.requests if r["headers"].get("webhook-id") == message_id]

    def events(self) -> list[str]:
        with self._lock:
            return [json.loads(r["body"])["event"] for r in self.requests]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


@pytest.fixture(scope="module")
def running() -> Iterator[Sandbox]:
    sandbox = Sandbox(rate_limit_per_second=None, webhook_retry_delays=(0.05, 0.05))
    sandbox.start(host="127.0.0.1", port=0)
    yield sandbox
    sandbox.stop()


@pytest.fixture
def sb(running: Sandbox) -> Sandbox:
    running.reset()
    return running


def _client(sandbox: Sandbox, key: str | None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    assert sandbox.url is not None
    return httpx.Client(base_url=sandbox.url, headers=headers, timeout=5.0)


@pytest.fixture
def a(sb: Sandbox) -> Iterator[httpx.Client]:
    with _client(sb, DEMO_KEY_A) as client:
        yield client


@pytest.fixture
def b(sb: Sandbox) -> Iterator[httpx.Client]:
    with _client(sb, DEMO_KEY_B) as client:
        yield client


@pytest.fixture
def control(sb: Sandbox) -> Iterator[httpx.Client]:
    with _client(sb, None) as client:
        yield client


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def issue(client: httpx.Client, email: str, **extra: Any) -> dict[str, Any]:
    response = client.post("/v1/cards", json={"email": email, **extra})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def error_code(response: httpx.Response) -> str:
    return str(response.json()["error"]["code"])


# ----- auth and /v1/me ---------------------------------------------------------------------------

def test_me_describes_the_key(a: httpx.Client) -> None:
    assert a.get("/v1/me").json() == {
        "key_prefix": "7loc_sc_demo…", "staff_login": "barista@demo.example", "business_id": "b_demo",
        "business_name": "Demo Coffee Group", "location_id": DEMO_LOCATION_A, "location_name": "Demo Coffee - Downtown",
    }


@pytest.mark.parametrize("authorization", [
    None, "Bearer", "Bearer nope", "Bearer 7loc_sc_short", "Basic " + DEMO_KEY_A,
    "Bearer 7loc_sc_unknown_key_0123456789", "Bearer " + DEMO_KEY_REVOKED,
])
def test_bad_keys_are_401(sb: Sandbox, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = httpx.get(f"{sb.url}/v1/me", headers=headers)
    assert response.status_code == 401
    assert set(response.json()["error"]) == {"code", "message"}
    assert error_code(response) == "unauthorized"


def test_body_that_is_not_a_json_object_is_400(a: httpx.Client) -> None:
    assert error_code(a.post("/v1/cards", content=b"[1, 2]")) == "bad_request"
    assert a.post("/v1/cards", content=b"{nope").status_code == 400


def test_unknown_route_is_404(a: httpx.Client) -> None:
    assert error_code(a.get("/v1/nothing-here")) == "not_found"


# ----- cards, customers, stamps ------------------------------------------------------------------

def test_issue_card_is_201_then_200_with_the_same_card(sb: Sandbox, a: httpx.Client) -> None:
    first = a.post("/v1/cards", json={"email": "Zoe@Example.com", "name": "Zoe", "birthday": "1991-02-03"})
    assert first.status_code == 201
    card, customer = first.json()["card"], first.json()["customer"]
    assert card["id"].startswith("card_") and card["wallet_pass_id"].startswith("wp_")
    assert card["template_id"] == "ct_a_coffee" and card["stamps_required"] == 10 and card["status"] == "issued"
    assert card["wallet_url"].startswith(f"{sb.url}/wallet/")
    assert customer["email"] == "zoe@example.com" and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ",
                                                                   customer["created_at"])
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


@pytest.mark.parametrize("body, bad_fields", [
    ({}, {"email", "phone"}),
    ({"email": "not-an-email"}, {"email"}),
    ({"phone": "12"}, {"phone"}),
    ({"email": "ok@example.com", "birthday": "2026-02-30"}, {"birthday"}),
    ({"email": "ok@example.com", "template_id": "ct_nope"}, {"template_id"}),
    ({"email": "ok@example.com", "template_id": "ct_b_coffee"}, {"template_id"}),
])
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
    assert {k: result["card"][k] for k in ("stamps", "goal_index", "total_stamps")} == {
        "stamps": 2, "goal_index": 1, "total_stamps": 12}
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


# ----- idempotency, pagination, tenancy ----------------------------------------------------------

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


# ----- vouchers ----------------------------------------------------------------------------------

def test_vouchers_issue_find_and_redeem_once(sb: Sandbox, a: httpx.Client) -> None:
    created = a.post("/v1/vouchers", json={
        "customer_id": "c_demo_a", "title": "Free cookie", "redeem_code": "FREECOOKIE",
        "redeem_code_formats": ["qr"], "expires_at": "2099-01-01T10:00:00+02:00",
    })
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


@pytest.mark.parametrize("body, bad_field", [
    ({"title": "x"}, "customer_id"),
    ({"customer_id": "c_demo_a"}, "title"),
    ({"customer_id": "c_demo_a", "template_id": "vt_b_cake"}, "template_id"),
    ({"customer_id": "c_demo_a", "title": "x", "redeem_code_formats": ["fax"]}, "redeem_code_formats"),
    ({"customer_id": "c_demo_a", "title": "x", "redeem_code_formats": []}, "redeem_code_formats"),
    ({"customer_id": "c_demo_a", "title": "x", "expires_at": "tomorrow"}, "expires_at"),
    ({"customer_id": "c_demo_a", "title": "x", "expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
])
def test_voucher_validation(a: httpx.Client, body: dict[str, Any], bad_field: str) -> None:
    response = a.post("/v1/vouchers", json=body)
    assert response.status_code == 422 and bad_field in response.json()["error"]["fields"]


def test_analytics_counts_the_period(a: httpx.Client) -> None:
    card_id = issue(a, "count@example.com")["card"]["id"]
    a.post(f"/v1/cards/{card_id}/stamps", json={"count": 12})
    summary = a.get("/v1/analytics/summary", params={"from": "2020-01-01", "to": "2099-12-31"}).json()
    assert summary == {"cards_issued": 1, "cards_saved": 0, "stamps_added": 12, "goals_reached": 1,
                       "vouchers_issued": 1, "vouchers_redeemed": 0}
    empty = a.get("/v1/analytics/summary", params={"from": "2020-01-01", "to": "2020-01-31T00:00:00Z"}).json()
    assert set(empty.values()) == {0}
    assert a.get("/v1/analytics/summary", params={"from": "yesterday"}).status_code == 422
    assert a.get("/v1/analytics/summary", params={"from": "2021-01-02", "to": "2021-01-01"}).status_code == 422


# ----- rate limit and faults ---------------------------------------------------------------------

def test_rate_limit_is_429_with_retry_after() -> None:
    limited = Sandbox(rate_limit_per_second=0.01)  # a burst of one, then one request per 100 s: no race with the clock
    limited.start()
    try:
        with _client(limited, DEMO_KEY_A) as a, _client(limited, DEMO_KEY_B) as b:
            responses = [a.get("/v1/me") for _ in range(3)]
            assert [r.status_code for r in responses] == [200, 429, 429]
            assert error_code(responses[1]) == "rate_limited"
            assert 90 <= int(responses[1].headers["Retry-After"]) <= 100
            assert b.get("/v1/me").status_code == 200
    finally:
        limited.stop()


def test_fault_answers_500_then_normal(a: httpx.Client, control: httpx.Client) -> None:
    fault = {"path_prefix": "/v1/cards", "method": "POST", "status": 500, "retry_after": 3, "times": 2}
    assert control.post("/_sandbox/faults", json=fault).status_code == 201
    assert a.get("/v1/cards/card_demo_a").status_code == 200
    for _ in range(2):
        failed = a.post("/v1/cards", json={"email": "fault@example.com"})
        assert failed.status_code == 500 and error_code(failed) == "internal"
        assert failed.headers["Retry-After"] == "3"
    assert a.post("/v1/cards", json={"email": "fault@example.com"}).status_code == 201
    control.post("/_sandbox/faults", json={"path_prefix": "/v1/me", "status": 503, "times": 5})
    assert control.delete("/_sandbox/faults").json() == {"cleared": 1}
    assert a.get("/v1/me").status_code == 200


def test_fault_hangs_then_answers_normally(sb: Sandbox, a: httpx.Client, control: httpx.Client) -> None:
    control.post("/_sandbox/faults", json={"path_prefix": "/v1/me", "hang_seconds": 30, "times": 1})
    with pytest.raises(httpx.ReadTimeout):
        a.get("/v1/me", timeout=0.3)
    assert a.get("/v1/me").status_code == 200


# ----- webhooks ----------------------------------------------------------------------------------

def subscribe(client: httpx.Client, url: str, events: list[str]) -> dict[str, Any]:
    response = client.post("/v1/webhooks", json={"url": url, "events": events})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_webhook_crud_and_validation(a: httpx.Client) -> None:
    hook = subscribe(a, "https://example.com/hook", ["card_issued"])
    assert hook["id"].startswith("wh_") and hook["secret"].startswith("whsec_")
    assert len(Webhook(hook["secret"])._whsecret) == 32
    listed = a.get("/v1/webhooks").json()["data"]
    assert listed == [{k: v for k, v in hook.items() if k != "secret"}]
    assert a.delete(f"/v1/webhooks/{hook['id']}").status_code == 204
    assert a.get("/v1/webhooks").json()["data"] == []
    for body in ({"url": "ftp://example.com", "events": ["*"]}, {"url": "https://example.com", "events": ["nope"]},
                 {"url": "https://example.com", "events": []}, {"url": "https://example.com", "events": ["*", "x"]},
                 {"url": "https://example.com"}):
        assert a.post("/v1/webhooks", json=body).status_code == 422


def test_webhook_deliveries_are_signed_and_filtered(sb: Sandbox, a: httpx.Client, receiver: Receiver) -> None:
    hook = subscribe(a, f"{receiver.url}/ok", ["card_issued", "stamp_added"])
    card = issue(a, "hooked@example.com")["card"]
    a.post(f"/v1/cards/{card['id']}/stamps", json={"count": 10, "comment": "big order"})
    assert sb.wait_webhooks_idle(timeout=5.0)
    assert sorted(receiver.events()) == ["card_issued", "stamp_added"]
    verified = {}
    for request in receiver.requests:
        assert request["headers"]["webhook-id"].startswith("msg_")
        assert request["headers"]["content-type"] == "application/json"
        payload = Webhook(hook["secret"]).verify(request["body"], request["headers"])
        verified[payload["event"]] = payload
    issued = verified["card_issued"]
    assert issued["business_id"] == "b_demo" and issued["location_id"] == DEMO_LOCATION_A
    assert issued["customer"]["wallet_pass_id"] == card["wallet_pass_id"]
    assert issued["card"] == {"id": card["id"], "goal_index": 0}
    stamp = verified["stamp_added"]
    assert stamp["stamp"] == {"count": 10, "comment": "big order"}
    assert stamp["card"] == {"id": card["id"], "goal_index": 1, "stamps": 0, "stamps_required": 10}
    assert a.delete(f"/v1/webhooks/{hook['id']}").status_code == 204
    issue(a, "unhooked@example.com")
    assert sb.wait_webhooks_idle(timeout=5.0)
    assert len(receiver.requests) == 2


def test_failed_delivery_is_retried_with_the_same_id(sb: Sandbox, a: httpx.Client, control: httpx.Client,
                                                     receiver: Receiver) -> None:
    hook = subscribe(a, f"{receiver.url}/fail-once", ["*"])
    emitted = control.post("/_sandbox/emit", json={"location_id": DEMO_LOCATION_A, "event": "card_opened"}).json()
    [message_id] = emitted["message_ids"]
    wait_until(lambda: len(receiver.received(message_id)) >= 2)
    tries = receiver.received(message_id)
    assert [t["body"] for t in tries[:1]] == [t["body"] for t in tries[1:2]]
    for attempt in tries:
        assert Webhook(hook["secret"]).verify(attempt["body"], attempt["headers"])["event"] == "card_opened"
    assert sb.wait_webhooks_idle(timeout=5.0)
    log = [e for e in control.get("/_sandbox/webhook-attempts").json()["data"] if e["message_id"] == message_id]
    assert [(e["attempt"], e["status_code"]) for e in log] == [(1, 500), (2, 204)]
    assert log[0]["endpoint_id"] == hook["id"] and log[0]["event"] == "card_opened"


def test_delivery_is_given_up_after_the_retry_delays(sb: Sandbox, a: httpx.Client, control: httpx.Client) -> None:
    subscribe(a, "http://127.0.0.1:9/refused", ["card_opened"])
    control.post("/_sandbox/emit", json={"location_id": DEMO_LOCATION_A, "event": "card_opened"})
    assert sb.wait_webhooks_idle(timeout=5.0)
    attempts = [e for e in sb.state.webhook_attempts if e["url"] == "http://127.0.0.1:9/refused"]
    assert [e["attempt"] for e in attempts] == [1, 2, 3]
    assert all(e["status_code"] is None and e["error"] for e in attempts)


EMIT_EXTRAS: dict[str, dict[str, Any]] = {
    "lottery_played": {"result": "win"},
    "campaign_sent": {"channel": "email", "campaign_name": "Spring menu"},
    "inactivity_trigger": {"days": 45},
}


@pytest.mark.parametrize("event", EVENTS)
def test_emit_makes_each_event_happen(sb: Sandbox, a: httpx.Client, control: httpx.Client, receiver: Receiver,
                                      event: str) -> None:
    hook = subscribe(a, f"{receiver.url}/ok", ["*"])
    response = control.post("/_sandbox/emit", json={
        "location_id": DEMO_LOCATION_A, "event": event, **EMIT_EXTRAS.get(event, {}),
    })
    assert response.status_code == 200, response.text
    payload, [message_id] = response.json()["event"], response.json()["message_ids"]
    assert payload["event"] == event and payload["card"]["id"] == "card_demo_a"
    [delivered] = wait_until(lambda: receiver.received(message_id))
    assert Webhook(hook["secret"]).verify(delivered["body"], delivered["headers"]) == payload

    voucher = sb.state.vouchers.get(payload.get("voucher", {}).get("id", ""))
    checks: dict[str, Callable[[], bool]] = {
        "card_saved": lambda: sb.state.cards["card_demo_a"]["status"] == "saved",
        "stamp_added": lambda: payload["stamp"] == {"count": 1, "comment": None} and payload["card"]["stamps"] == 3,
        "goal_reached": lambda: payload["card"]["goal_index"] == 0,
        "reward_issued": lambda: voucher is not None and voucher["type"] == "reward",
        "voucher_issued": lambda: voucher is not None and voucher["type"] == "voucher",
        "voucher_redeemed": lambda: voucher is not None and voucher["redeemed_via"] == "staff_scanner",
        "voucher_expired": lambda: voucher is not None and voucher["status"] == "expired",
        "lottery_played": lambda: (voucher is not None and voucher["type"] == "lottery_prize"
                                   and payload["lottery"]["result"] == "win"
                                   and payload["lottery"]["prize"]["voucher_id"] == voucher["id"]),
        "birthday_reached": lambda: voucher is not None and voucher["type"] == "birthday",
        "inactivity_trigger": lambda: payload["inactivity"] == {"days": 45},
        "campaign_sent": lambda: (payload["campaign"]["channel"] == "email"
                                  and payload["campaign"]["name"] == "Spring menu"),
    }
    assert checks.get(event, lambda: True)()
    assert a.get("/v1/cards/card_demo_a/history").json()["data"][0]["type"] == event


def test_emit_uses_the_given_subject_and_rejects_unknown_names(a: httpx.Client, control: httpx.Client) -> None:
    voucher = a.post("/v1/vouchers", json={"customer_id": "c_demo_a", "title": "Scan me"}).json()
    redeemed = control.post("/_sandbox/emit", json={
        "location_id": DEMO_LOCATION_A, "event": "voucher_redeemed", "voucher_id": voucher["id"],
    }).json()["event"]
    assert redeemed["voucher"]["id"] == voucher["id"] and redeemed["voucher"]["status"] == "redeemed"
    other = control.post("/_sandbox/emit", json={"location_id": DEMO_LOCATION_B, "event": "card_opened"}).json()
    assert other["event"]["card"]["id"] == "card_demo_b" and other["message_ids"] == []
    assert control.post("/_sandbox/emit", json={"location_id": DEMO_LOCATION_A, "event": "kartu_diterbitkan"}
                        ).status_code == 422
    assert control.post("/_sandbox/emit", json={"location_id": "loc_nope", "event": "card_opened"}).status_code == 422


# ----- control routes ----------------------------------------------------------------------------

def test_control_routes(sb: Sandbox, a: httpx.Client, control: httpx.Client) -> None:
    assert control.get("/_sandbox/health").json() == {"ok": True}
    keys = {k["key"]: k for k in control.get("/_sandbox/keys").json()["data"]}
    assert keys[DEMO_KEY_B]["location_id"] == DEMO_LOCATION_B and keys[DEMO_KEY_REVOKED]["revoked"] is True
    assert keys[DEMO_KEY_A]["location_name"] == "Demo Coffee - Downtown"
    card_id = issue(a, "gone@example.com")["card"]["id"]
    assert control.post("/_sandbox/reset").json() == {"ok": True}
    assert card_id not in sb.state.cards and "card_demo_a" in sb.state.cards
    assert [t["id"] for t in a.get("/v1/templates/cards").json()["data"]] == ["ct_a_lunch", "ct_a_coffee"]
