"""Webhook endpoints and their deliveries: signed the Standard Webhooks way, filtered by event, retried, given up."""

from __future__ import annotations

import httpx
from sandbox_support import issue, subscribe, tries, wait_until
from standardwebhooks import Webhook

from sandbox import DEMO_LOCATION_A, Sandbox
from stack.receiver import HookReceiver


def test_webhook_crud_and_validation(a: httpx.Client) -> None:
    hook = subscribe(a, "https://example.com/hook", ["card_issued"])
    assert hook["id"].startswith("wh_") and hook["secret"].startswith("whsec_")
    assert len(Webhook(hook["secret"])._whsecret) == 32
    listed = a.get("/v1/webhooks").json()["data"]
    assert listed == [{k: v for k, v in hook.items() if k != "secret"}]
    assert a.delete(f"/v1/webhooks/{hook['id']}").status_code == 204
    assert a.get("/v1/webhooks").json()["data"] == []
    for body in (
        {"url": "ftp://example.com", "events": ["*"]},
        {"url": "https://example.com", "events": ["nope"]},
        {"url": "https://example.com", "events": []},
        {"url": "https://example.com", "events": ["*", "x"]},
        {"url": "https://example.com"},
    ):
        assert a.post("/v1/webhooks", json=body).status_code == 422


def test_webhook_deliveries_are_signed_and_filtered(sb: Sandbox, a: httpx.Client, receiver: HookReceiver) -> None:
    hook = subscribe(a, f"{receiver.url}/ok", ["card_issued", "stamp_added"])
    card = issue(a, "hooked@example.com")["card"]
    a.post(f"/v1/cards/{card['id']}/stamps", json={"count": 10, "comment": "big order"})
    assert sb.wait_webhooks_idle(timeout=5.0)
    assert sorted(d.json()["event"] for d in receiver.received) == ["card_issued", "stamp_added"]
    verified = {}
    for request in receiver.received:
        assert request.headers["webhook-id"].startswith("msg_")
        assert request.headers["content-type"] == "application/json"
        payload = request.verify(hook["secret"])
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
    assert len(receiver.received) == 2


def test_failed_delivery_is_retried_with_the_same_id(sb: Sandbox, a: httpx.Client, control: httpx.Client, receiver: HookReceiver) -> None:
    hook = subscribe(a, f"{receiver.url}/fail-once", ["*"])
    emitted = control.post("/_sandbox/emit", json={"location_id": DEMO_LOCATION_A, "event": "card_opened"}).json()
    [message_id] = emitted["message_ids"]
    wait_until(lambda: len(tries(receiver, message_id)) >= 2)
    attempts = tries(receiver, message_id)
    assert [t.body for t in attempts[:1]] == [t.body for t in attempts[1:2]]
    for attempt in attempts:
        assert attempt.verify(hook["secret"])["event"] == "card_opened"
    assert sb.wait_webhooks_idle(timeout=5.0)
    log = [e for e in control.get("/_sandbox/webhook-attempts").json()["data"] if e["message_id"] == message_id]
    assert [(e["attempt"], e["status_code"]) for e in log] == [(1, 500), (2, 204)]
    assert log[0]["endpoint_id"] == hook["id"] and log[0]["event"] == "card_opened"


def test_delivery_is_given_up_after_the_retry_delays(sb: Sandbox, a: httpx.Client, control: httpx.Client) -> None:
    subscribe(a, "http://127.0.0.1:65535/refused", ["card_opened"])
    control.post("/_sandbox/emit", json={"location_id": DEMO_LOCATION_A, "event": "card_opened"})
    assert sb.wait_webhooks_idle(timeout=5.0)
    attempts = [e for e in sb.state.webhook_attempts if e["url"] == "http://127.0.0.1:65535/refused"]
    assert [e["attempt"] for e in attempts] == [1, 2, 3]
    assert all(e["status_code"] is None and e["error"] for e in attempts)
