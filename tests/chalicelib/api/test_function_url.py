"""A function URL in front of one route (api/function_url.py): the event translated for Chalice, what cannot reach it refused."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from chalice import Chalice, Response

from chalicelib.api import function_url

ROUTE = "/inbound/7stamp/{token}"


def app() -> Chalice:
    made = Chalice("function-url-unit")

    @made.route(ROUTE, methods=["POST"], content_types=["application/json", "application/octet-stream"])
    def inbound(token: str) -> Response:
        request = made.current_request
        raw = request.raw_body or b""
        body = {
            "token": token,
            "query": dict(request.query_params or {}),
            "sig": request.headers.get("webhook-signature"),
            "raw": raw.decode(),
        }
        return Response(body=json.dumps(body), status_code=202, headers={"Content-Type": "application/json"})

    return made


def event(path: str = "/inbound/7stamp/loc_a.secret", method: str = "POST", body: str = '{"a":1}', b64: bool = False, **extra: Any) -> dict:
    return {
        "rawPath": path,
        "requestContext": {"http": {"method": method}, "requestId": "req-1"},
        "headers": {"Content-Type": "application/json", "Webhook-Signature": "v1,abc"},
        "body": base64.b64encode(body.encode()).decode() if b64 else body,
        "isBase64Encoded": b64,
        **extra,
    }


def serve(given: dict) -> tuple[int, dict]:
    answer = function_url.serve(app(), ROUTE, given, None)
    assert set(answer) <= {"statusCode", "headers", "body", "isBase64Encoded"}
    return answer["statusCode"], json.loads(answer["body"])


def test_a_request_for_the_route_reaches_it_with_its_token_query_headers_and_body() -> None:
    status, body = serve(event(queryStringParameters={"x": "1"}))
    assert status == 202
    assert body == {"token": "loc_a.secret", "query": {"x": "1"}, "sig": "v1,abc", "raw": '{"a":1}'}


def test_a_base64_body_and_a_trailing_slash_and_an_escaped_token() -> None:
    status, body = serve(event(path="/inbound/7stamp/loc_a%2Esecret/", b64=True))
    assert status == 202 and body["token"] == "loc_a.secret" and body["raw"] == '{"a":1}'


@pytest.mark.parametrize("path", ["/", "/inbound/7stamp", "/inbound/7stamp/a/b", "/v1/me", "/inbound/7stamp/", "//inbound/7stamp/x"])
def test_another_path_is_404_in_the_connectors_error_shape(path: str) -> None:
    status, body = serve(event(path=path))
    assert status == 404 and body["error"]["code"] == "not_found"


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", ""])
def test_another_method_is_405(method: str) -> None:
    status, body = serve(event(method=method))
    assert status == 405 and body["error"]["code"] == "method_not_allowed"


def test_a_body_that_says_base64_but_is_not_is_400() -> None:
    bad = event()
    bad.update(isBase64Encoded=True, body="not base64!")
    status, body = serve(bad)
    assert status == 400 and body["error"]["code"] == "bad_request"


def test_the_rest_event_carries_what_chalice_routes_by() -> None:
    made = function_url.rest_event(event(queryStringParameters={"q": "v"}), ROUTE, ["POST"])
    assert (made["resource"], made["httpMethod"], made["pathParameters"]) == (ROUTE, "POST", {"token": "loc_a.secret"})
    assert made["headers"]["webhook-signature"] == "v1,abc" and made["multiValueQueryStringParameters"] == {"q": ["v"]}
    assert made["requestContext"]["requestId"] == "req-1"
