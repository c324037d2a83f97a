"""``/mcp`` as a route (api/mcp.py): the caller's key, the Origin check against DNS rebinding, no streams, JSON-RPC answers.

Named ``_unit`` because tests/api/test_mcp.py (the scenarios with real clients) holds the plain name.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from chalice.test import Client
from unit_support import route_client

from chalicelib.api.mcp_rpc import HANDSHAKE_VERSIONS
from chalicelib.container import Services
from chalicelib.store.keys import key_hash
from chalicelib.store.records import Tenant

KEY = "7loc_sc_mcp_route_unit_key_0001"
PING = {"jsonrpc": "2.0", "id": 7, "method": "ping"}


@pytest.fixture
def client(services: Services, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    services.key_cache.put(key_hash(KEY), Tenant("loc_a", "Café A", "biz_1", "Biz", "s@example.com"))
    with route_client(services, monkeypatch) as c:  # type: ignore[attr-defined]
        yield c


def post(client: Client, body: object, **headers: str):  # noqa: ANN201
    return client.http.post(
        "/mcp", headers={"X-API-Key": KEY, "Content-Type": "application/json", **headers}, body=json.dumps(body).encode()
    )


def test_a_request_is_answered_in_json_rpc(client: Client) -> None:
    answer = post(client, PING)
    assert answer.status_code == 200 and json.loads(answer.body) == {"jsonrpc": "2.0", "id": 7, "result": {}}


def test_a_notification_is_202_with_no_body(client: Client) -> None:
    answer = post(client, {"jsonrpc": "2.0", "method": "notifications/initialized"})
    assert answer.status_code == 202 and answer.body in (b"", "")


def test_without_a_key_it_is_the_apis_401(client: Client) -> None:
    answer = client.http.post("/mcp", headers={"Content-Type": "application/json"}, body=json.dumps(PING).encode())
    assert answer.status_code == 401 and json.loads(answer.body)["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://127.0.0.1.evil.example", "https://attacker.test:443"])
def test_a_browser_request_from_another_site_is_403(client: Client, origin: str) -> None:
    answer = post(client, PING, Origin=origin)
    assert answer.status_code == 403 and json.loads(answer.body)["error"]["code"] == "forbidden"


def test_the_connectors_own_origin_is_served(client: Client, services: Services) -> None:
    own = services.settings.public_url.rstrip("/")
    assert post(client, PING, Origin=own).status_code == 200
    assert post(client, PING, Origin=own.upper() + "/").status_code == 200


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_no_stream_and_no_session_is_405_naming_post(client: Client, method: str) -> None:
    answer = client.http.request(method, "/mcp", headers={"X-API-Key": KEY})
    assert answer.status_code == 405 and answer.headers["Allow"] == "POST"


def test_initialize_through_the_route(client: Client) -> None:
    answer = post(client, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": HANDSHAKE_VERSIONS[-1]}})
    assert json.loads(answer.body)["result"]["protocolVersion"] == HANDSHAKE_VERSIONS[-1]
