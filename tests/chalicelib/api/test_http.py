"""The one wrapper every route goes through, on a Chalice app of its own (Chalice's test client, no server).

What a caller sees: 413 over the size limit, 400 for a body that is no JSON object, 422 naming
each field, 401 without a usable key, the error tree's status and body, a bare 500 for anything
unexpected (no trace, no key), and JSON headers that keep answers out of caches.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from chalice import Blueprint, Chalice
from chalice.test import Client
from pydantic import BaseModel

from chalicelib.api import http
from chalicelib.container import Services
from chalicelib.contract.input_types import Input, WholeNumber
from chalicelib.contract.limits import MAX_BODY_BYTES
from chalicelib.errors import Conflict, RateLimited
from chalicelib.store.keys import key_hash
from chalicelib.store.records import Tenant

KEY = "7loc_sc_http_unit_key_0123456789"
TENANT = Tenant("loc_a", "Café A", "biz_1", "Biz", "staff@example.com")
MODEL = f"{__name__}:"


class Body(Input):
    name: str
    count: int = 0


class Query(BaseModel):
    limit: WholeNumber = 10


@pytest.fixture
def client(services: Services, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    """A Chalice app whose routes are declared through ``endpoint``; the module's declarations stay as they were."""
    monkeypatch.setattr(http, "OPERATIONS", [])
    monkeypatch.setattr(http, "_wired", [])
    http.use(services)
    services.key_cache.put(key_hash(KEY), TENANT)
    bp = Blueprint(__name__)

    @http.endpoint(bp, "/echo", ["POST"], body=MODEL + "Body", query=MODEL + "Query", authenticated=False)
    def echo(call: http.Call) -> dict:
        """Echo the validated input.

        More words the summary leaves out.
        """
        return {"input": call.input.model_dump(), "limit": call.args.limit}

    @http.endpoint(bp, "/me", ["GET"])
    def me(call: http.Call) -> dict:
        return {"location_id": call.me.location_id}

    @http.endpoint(bp, "/conflict", ["POST"], authenticated=False, summary="Always a conflict")
    def conflict(call: http.Call) -> dict:
        raise Conflict("Already redeemed", code="already_redeemed")

    @http.endpoint(bp, "/limited", ["GET"], authenticated=False)
    def limited(call: http.Call) -> dict:
        raise RateLimited("Slow down", retry_after=7)

    @http.endpoint(bp, "/boom", ["GET"])
    def boom(call: http.Call) -> dict:
        raise RuntimeError(f"secret detail {call.api_key}")

    @http.endpoint(bp, "/raw", ["POST"], body=MODEL + "Body", view_reads_body=True, authenticated=False)
    def raw(call: http.Call) -> dict:
        return {"input": call.input, "raw": call.json()}

    app = Chalice("http-unit")
    app.register_blueprint(bp)
    with Client(app) as c:
        yield c


def post(client: Client, path: str, body: bytes | str, headers: dict[str, str] | None = None):  # noqa: ANN201
    raw = body.encode() if isinstance(body, str) else body
    return client.http.post(path, headers={"Content-Type": "application/json", **(headers or {})}, body=raw)


def error_of(answer) -> dict:  # noqa: ANN001
    assert answer.headers["Content-Type"] == "application/json"
    return json.loads(answer.body)["error"]


def test_a_valid_call_is_answered_with_json_that_no_cache_keeps(client: Client) -> None:
    answer = post(client, "/echo?limit=3", '{"name": "Zoë", "count": 2}')
    assert answer.status_code == 200
    assert json.loads(answer.body) == {"input": {"name": "Zoë", "count": 2}, "limit": 3}
    for name, value in http.JSON_HEADERS.items():
        assert answer.headers[name] == value


def test_a_body_over_the_limit_is_413(client: Client) -> None:
    body = json.dumps({"name": "x" * MAX_BODY_BYTES})
    answer = post(client, "/echo", body)
    assert answer.status_code == 413 and error_of(answer)["code"] == "payload_too_large"


@pytest.mark.parametrize("body", ["not json", "[1, 2]", '"text"', "{", '{"name": "a"} trailing'])
def test_a_body_that_is_no_json_object_is_400(client: Client, body: str) -> None:
    answer = post(client, "/echo", body)
    assert answer.status_code == 400 and error_of(answer)["code"] == "bad_request"


def test_each_bad_field_is_named_in_a_422(client: Client) -> None:
    answer = post(client, "/echo?limit=many", '{"count": "2", "extra": true}')
    assert answer.status_code == 422
    fields = error_of(answer)["fields"]
    assert set(fields) >= {"name", "count", "extra"}


def test_a_bad_query_is_422_naming_it(client: Client) -> None:
    answer = post(client, "/echo?limit=-1", '{"name": "a"}')
    assert answer.status_code == 422 and set(error_of(answer)["fields"]) == {"limit"}


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-API-Key": "not-a-key"}, {"Authorization": "Basic " + KEY}, {"X-API-Key": "7loc_sc_short"}, {"Authorization": "Bearer"}],
)
def test_an_authenticated_route_without_a_usable_key_is_401(client: Client, headers: dict[str, str]) -> None:
    answer = client.http.get("/me", headers=headers)
    assert answer.status_code == 401 and error_of(answer)["code"] == "unauthorized"


@pytest.mark.parametrize("headers", [{"X-API-Key": KEY}, {"Authorization": "Bearer " + KEY}, {"x-api-key": f"  {KEY} "}])
def test_a_known_key_reaches_the_view_as_its_tenant(client: Client, headers: dict[str, str]) -> None:
    answer = client.http.get("/me", headers=headers)
    assert answer.status_code == 200 and json.loads(answer.body) == {"location_id": TENANT.location_id}


def test_a_connector_error_is_its_status_code_and_headers(client: Client) -> None:
    answer = post(client, "/conflict", "{}")
    assert answer.status_code == 409
    assert error_of(answer) == {"code": "already_redeemed", "message": "Already redeemed"}
    limited = client.http.get("/limited")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "7"


def test_anything_unexpected_is_a_bare_500_without_detail_or_key(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="connector.http"):
        answer = client.http.get("/boom", headers={"X-API-Key": KEY})
    assert answer.status_code == 500
    assert error_of(answer)["code"] == "internal"
    assert "secret detail" not in answer.body.decode() and KEY not in answer.body.decode()
    assert caplog.records  # logged for the operator


def test_a_view_that_reads_the_body_itself_gets_it_unvalidated(client: Client) -> None:
    answer = post(client, "/raw", '{"anything": 1}')
    assert answer.status_code == 200 and json.loads(answer.body) == {"input": None, "raw": {"anything": 1}}


def test_an_empty_body_is_an_empty_object(client: Client) -> None:
    answer = post(client, "/raw", "")
    assert json.loads(answer.body)["raw"] == {}


def test_each_route_is_declared_once_per_method_with_its_summary(client: Client) -> None:
    declared = {(o.method, o.path): o for o in http.OPERATIONS}
    assert len(declared) == len(http.OPERATIONS) == 6
    assert declared[("POST", "/echo")].summary == "Echo the validated input."
    assert declared[("POST", "/conflict")].summary == "Always a conflict"
    assert declared[("GET", "/me")].summary == "me"  # no docstring: the view's name
    assert declared[("POST", "/echo")].body == MODEL + "Body" and not declared[("POST", "/echo")].authenticated
    assert declared[("GET", "/me")].responses == {200: None}


def test_a_model_reference_names_its_model() -> None:
    assert http.model(MODEL + "Body") is Body
