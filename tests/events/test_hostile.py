"""Hostile input on the read side: forged or stale webhooks, foreign bodies, unknown tokens, hostile subscriber URLs."""

from __future__ import annotations

import socket
import time

import httpx
import pytest
from event_support import connected, event_body, signed_post, subscribe

from chalicelib.security import address_guard
from sandbox import DEMO_KEY_A, DEMO_LOCATION_B
from stack.receiver import HookReceiver, Script


def nothing_stored(stack) -> bool:
    with stack.client(DEMO_KEY_A) as c:
        return c.get("/v1/triggers/any").json() == []


def test_a_bad_signature_is_401_and_stores_nothing(stack):
    connection = connected(stack)
    answer = signed_post(stack, connection, event_body(), "msg_forged", secret="whsec_" + "QUJD" * 11)
    assert answer.status_code == 401
    assert nothing_stored(stack)


def test_a_tampered_body_is_401(stack):
    connection = connected(stack)
    body = event_body()
    headers = __import__("chalicelib.security.signing", fromlist=["headers"]).headers(connection.secret, "msg_t", int(time.time()), body)
    answer = httpx.post(
        f"{stack.connector}/inbound/7stamp/{connection.token}", content=body.replace("card_opened", "goal_reached"), headers=headers
    )
    assert answer.status_code == 401
    assert nothing_stored(stack)


@pytest.mark.parametrize("skew", [-6 * 60, 6 * 60])
def test_a_stale_or_future_timestamp_is_401(stack, skew):
    connection = connected(stack)
    answer = signed_post(stack, connection, event_body(), "msg_stale", timestamp=int(time.time()) + skew)
    assert answer.status_code == 401
    assert nothing_stored(stack)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"webhook-id": "msg_1", "webhook-timestamp": "now", "webhook-signature": "v1,abc"},
        {"webhook-id": "msg_1", "webhook-timestamp": str(int(time.time())), "webhook-signature": "garbage"},
        {"webhook-id": "msg_1", "webhook-timestamp": str(int(time.time())), "webhook-signature": "v1,!!!not-base64"},
    ],
)
def test_malformed_signature_headers_are_401(stack, headers):
    connection = connected(stack)
    answer = httpx.post(f"{stack.connector}/inbound/7stamp/{connection.token}", content=event_body(), headers=headers)
    assert answer.status_code == 401
    assert "Traceback" not in answer.text
    assert nothing_stored(stack)


def test_a_body_of_another_location_is_403(stack):
    connection = connected(stack)
    answer = signed_post(stack, connection, event_body(location_id=DEMO_LOCATION_B), "msg_other")
    assert answer.status_code == 403
    assert nothing_stored(stack)


@pytest.mark.parametrize(
    "token",
    [
        "x" * 43,
        "short",
        "%2e%2e%2fv1%2fme-padding-to-be-long",
        "loc_demo_a.a-guessed-secret-0000000000000",
        "loc_demo_b.a-guessed-secret-0000000000000",
    ],
)
def test_an_unknown_token_is_404(stack, token):
    connected(stack)
    answer = httpx.post(
        f"{stack.connector}/inbound/7stamp/{token}",
        content=event_body(),
        headers={"webhook-id": "m", "webhook-timestamp": "1", "webhook-signature": "v1,x"},
    )
    assert answer.status_code == 404
    assert nothing_stored(stack)


def test_an_inbound_body_over_256_kb_is_413(stack):
    connection = connected(stack)
    answer = signed_post(stack, connection, event_body()[:-1] + ', "pad": "' + "x" * (300 * 1024) + '"}', "msg_big")
    assert answer.status_code == 413
    assert nothing_stored(stack)


HOSTILE_TARGETS = [
    "https://127.0.0.1/hook",
    "https://localhost/hook",
    "https://10.0.0.1/hook",
    "https://169.254.169.254/latest/meta-data",
    "https://[::1]/hook",
    "http://2130706433/hook",
    "https://2130706433/hook",
    "https://0x7f000001/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://[64:ff9b::7f00:1]/hook",
    "https://internal.example.com/hook",
    "http://example.com/hook",
]


@pytest.fixture
def production(stack, monkeypatch):
    """The connector as deployed: no http, no loopback; internal.example.com resolves to a private address."""
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host == "internal.example.com":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.20.30.40", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(address_guard.socket, "getaddrinfo", getaddrinfo)  # DNS has no local stand-in
    monkeypatch.setenv("CONNECTOR_ALLOW_PRIVATE_TARGETS", "0")
    stack.rebuild()


@pytest.mark.parametrize("url", HOSTILE_TARGETS)
def test_hostile_subscriber_urls_are_refused_at_subscribe(stack, production, url):
    with stack.client(DEMO_KEY_A) as c:
        answer = c.post("/v1/hooks", json={"event": "stamp_added", "target_url": url})
        assert answer.status_code == 422, (url, answer.text)
        assert "target_url" in answer.json()["error"]["fields"]
        assert c.get("/v1/hooks").json() == []


def test_targets_are_checked_again_at_delivery(stack, receiver, monkeypatch):
    with stack.client(DEMO_KEY_A) as c:
        hook = subscribe(c, "stamp_added", receiver.url)  # allowed while local development is switched on
        monkeypatch.setenv("CONNECTOR_ALLOW_PRIVATE_TARGETS", "0")
        stack.rebuild()
        c.post("/v1/actions/add-stamp", json={"card_id": "card_demo_a"})
        stack.settle()
        assert receiver.received == []
        [row] = c.get(f"/v1/hooks/{hook['id']}/deliveries").json()
        assert row["last_error"].startswith("refused")


def test_redirects_are_not_followed(stack):
    target = HookReceiver().start()
    redirector = HookReceiver(Script(default=307, headers={"Location": target.url})).start()
    try:
        with stack.client(DEMO_KEY_A) as c:
            hook = subscribe(c, "stamp_added", redirector.url)
            c.post("/v1/actions/add-stamp", json={"card_id": "card_demo_a"})
            stack.settle()
            assert len(redirector.received) == 1
            assert target.received == []
            [row] = c.get(f"/v1/hooks/{hook['id']}/deliveries").json()
            assert row["status"] == "pending" and row["last_status_code"] == 307
    finally:
        target.stop()
        redirector.stop()
