"""The inbound function (app.inbound_url) fed function-URL events (payload format 2.0), as Lambda would on AWS.

It must store what the REST route stores and refuse what the REST route refuses, with
the same 4xx bodies; registration with 7stamp must use CONNECTOR_INBOUND_URL.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import httpx
import pytest
from event_support import connected, event_body

from chalicelib.security import signing
from sandbox import DEMO_KEY_A, DEMO_LOCATION_A, DEMO_LOCATION_B


def url_event(path: str, body: str | bytes, headers: dict[str, str], *, method: str = "POST", base64_body: bool = False) -> dict[str, Any]:
    """A request as a Lambda function URL hands it over (headers lower-cased, the body base64 when Lambda chose so)."""
    raw = body.encode() if isinstance(body, str) else body
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {
            k.lower(): v for k, v in {"content-type": "application/json", "host": "abc.lambda-url.us-east-1.on.aws", **headers}.items()
        },
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "abc",
            "domainName": "abc.lambda-url.us-east-1.on.aws",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.9", "userAgent": "7stamp-webhooks"},
            "requestId": "req-1",
            "routeKey": "$default",
            "stage": "$default",
            "time": "22/Nov/2026:10:00:00 +0000",
            "timeEpoch": int(time.time() * 1000),
        },
        "body": base64.b64encode(raw).decode() if base64_body else raw.decode(),
        "isBase64Encoded": base64_body,
    }


def invoke(event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    import app

    answer = app.inbound_url(event, None)
    assert set(answer) == {"statusCode", "headers", "body"}
    assert answer["headers"]["Content-Type"] == "application/json"
    return answer["statusCode"], json.loads(answer["body"])


def polled(stack, event: str = "any") -> list[dict[str, Any]]:
    with stack.client(DEMO_KEY_A) as c:
        return list(c.get(f"/v1/triggers/{event}").json())


@pytest.mark.parametrize("base64_body", [False, True])
def test_a_signed_event_through_the_function_url_is_stored_once(stack, base64_body):
    connection = connected(stack)
    body = event_body()
    headers = signing.headers(connection.secret, "msg_url_1", int(time.time()), body)
    status, answer = invoke(url_event(f"/inbound/7stamp/{connection.token}", body, headers, base64_body=base64_body))
    assert status == 200 and answer["duplicate"] is False
    [stored] = polled(stack, "card_opened")
    assert stored["id"] == answer["id"]
    assert stored["event"] == "card_opened" and stored["location_id"] == DEMO_LOCATION_A
    again_status, again = invoke(url_event(f"/inbound/7stamp/{connection.token}", body, headers))
    assert (again_status, again) == (200, {"id": answer["id"], "duplicate": True})
    assert len(polled(stack)) == 1


def _signed(connection, body: str) -> dict[str, str]:
    return signing.headers(connection.secret, "msg_bad", int(time.time()), body)


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("forged signature", 401, "unauthorized"),
        ("unknown token", 404, "not_found"),
        ("other path", 404, "not_found"),
        ("GET", 405, "method_not_allowed"),
        ("bad base64", 400, "bad_request"),
        ("not JSON", 400, "bad_request"),
        ("another location", 403, "forbidden"),
        ("over 256 KB", 413, "payload_too_large"),
    ],
)
def test_bad_input_through_the_function_url_is_a_4xx_naming_it_and_stores_nothing(stack, case, status, code):
    connection = connected(stack)
    path, body = f"/inbound/7stamp/{connection.token}", event_body()
    event = url_event(path, body, _signed(connection, body))
    if case == "forged signature":
        event = url_event(path, body, signing.headers("whsec_" + "QUJD" * 11, "msg_bad", int(time.time()), body))
    elif case == "unknown token":
        event = url_event("/inbound/7stamp/loc_demo_a.a-guessed-secret-0000000000000", body, _signed(connection, body))
    elif case == "other path":
        event = url_event("/v1/me", body, _signed(connection, body))
    elif case == "GET":
        event = url_event(path, "", {}, method="GET")
    elif case == "bad base64":
        event = {**event, "body": "!!! not base64 !!!", "isBase64Encoded": True}
    elif case == "not JSON":
        event = url_event(path, "{not json", _signed(connection, "{not json"))
    elif case == "another location":
        other = event_body(location_id=DEMO_LOCATION_B)
        event = url_event(path, other, _signed(connection, other))
    elif case == "over 256 KB":
        big = body[:-1] + ', "pad": "' + "x" * (300 * 1024) + '"}'
        event = url_event(path, big, _signed(connection, big))
    answer_status, answer = invoke(event)
    assert answer_status == status
    assert answer["error"]["code"] == code and answer["error"]["message"]
    assert polled(stack) == []


def test_the_connector_registers_its_inbound_url_with_7stamp(stack, monkeypatch):
    monkeypatch.setenv("CONNECTOR_INBOUND_URL", "https://abc123.lambda-url.us-east-1.on.aws/")
    stack.rebuild()
    connection = connected(stack)
    webhooks = httpx.get(f"{stack.sandbox_url}/v1/webhooks", headers={"Authorization": f"Bearer {DEMO_KEY_A}"}, timeout=10).json()["data"]
    assert [w["url"] for w in webhooks] == [f"https://abc123.lambda-url.us-east-1.on.aws/inbound/7stamp/{connection.token}"]
