"""/mcp's JSON-RPC layer without HTTP: each message's answer and status, for both eras of the protocol and hostile bodies."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from chalicelib.api import mcp_rpc as rpc
from chalicelib.api import mcp_tools
from chalicelib.api.http import Call

MODERN = rpc.MODERN_VERSIONS[0]


def answer(body: Any, headers: dict[str, str] | None = None, raw: bytes | None = None) -> rpc.Answer:
    """The answer to one POST; no services: nothing here reaches 7stamp or the store."""
    call = Call(services=None, params={}, query={}, headers=headers or {}, raw_body=raw if raw is not None else json.dumps(body).encode())  # type: ignore[arg-type]
    return rpc.answer(call)


def request(method: str, params: dict[str, Any] | None = None, request_id: int | str = 1) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "method": method, **({"params": params} if params is not None else {})}


def modern(method: str, params: dict[str, Any] | None = None, **headers: str) -> tuple[dict[str, Any], dict[str, str]]:
    """A 2026-07-28 request with its envelope and the headers that agree with it."""
    meta = {rpc.VERSION_META: MODERN, rpc.CAPABILITIES_META: {}}
    return request(method, {**(params or {}), "_meta": meta}), {"MCP-Protocol-Version": MODERN, "Mcp-Method": method, **headers}


def error_of(found: rpc.Answer, code: int) -> dict[str, Any]:
    assert found.body is not None and found.body["error"]["code"] == code
    assert found.status == rpc.HTTP_STATUS[code]
    return found.body["error"]


@pytest.mark.parametrize("raw", [b"", b"{", b"not json", b'{"a": 1} {"b": 2}', b"\xff\xfe"])
def test_an_unreadable_body_is_a_parse_error_with_a_null_id(raw: bytes) -> None:
    found = answer(None, raw=raw)
    error_of(found, rpc.PARSE_ERROR)
    assert found.body is not None and found.body["id"] is None


def test_a_batch_or_a_non_object_is_an_invalid_request() -> None:
    assert "Batches" in error_of(answer([request("ping")]), rpc.INVALID_REQUEST)["message"]
    error_of(answer("ping"), rpc.INVALID_REQUEST)


@pytest.mark.parametrize(
    "message",
    [
        {"id": 1, "method": "ping"},
        {"jsonrpc": "1.0", "id": 1, "method": "ping"},
        {"jsonrpc": "2.0", "id": None, "method": "ping"},
        {"jsonrpc": "2.0", "id": 1.5, "method": "ping"},
        {"jsonrpc": "2.0", "id": 1, "method": ""},
        {"jsonrpc": "2.0", "id": 1, "method": "x" * 201},
        {"jsonrpc": "2.0", "id": 1, "method": "ping", "params": []},
        {"jsonrpc": "2.0", "id": 1, "method": "ping", "extra": 1},
    ],
)
def test_a_message_that_is_no_json_rpc_request_is_invalid_and_names_the_field(message: dict[str, Any]) -> None:
    error = error_of(answer(message), rpc.INVALID_REQUEST)
    assert error["data"]["fields"]


def test_a_notification_gets_202_and_no_body() -> None:
    assert answer({"jsonrpc": "2.0", "method": "notifications/initialized"}) == rpc.Answer(202, None)


@pytest.mark.parametrize("version", rpc.HANDSHAKE_VERSIONS)
def test_initialize_keeps_a_version_it_speaks(version: str) -> None:
    found = answer(request("initialize", {"protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "t"}}))
    assert found.status == 200 and found.body is not None
    assert found.body["result"]["protocolVersion"] == version
    assert found.body["result"]["serverInfo"] == rpc.SERVER_INFO


@pytest.mark.parametrize("version", ["1999-01-01", "2099-12-31", "latest", rpc.MODERN_VERSIONS[0]])
def test_initialize_answers_the_newest_handshake_version_for_any_other(version: str) -> None:
    found = answer(request("initialize", {"protocolVersion": version}))
    assert found.body is not None and found.body["result"]["protocolVersion"] == rpc.HANDSHAKE_VERSIONS[0]


@pytest.mark.parametrize("params", [{}, {"protocolVersion": 5}, {"protocolVersion": "2025-06-18", "capabilities": []}])
def test_initialize_with_bad_params_names_the_param(params: dict[str, Any]) -> None:
    error = error_of(answer(request("initialize", params)), rpc.INVALID_PARAMS)
    assert all(name.startswith("params.") for name in error["data"]["fields"])


def test_ping_and_tools_list_of_the_handshake_era() -> None:
    assert answer(request("ping", request_id="abc")).body == {"jsonrpc": "2.0", "id": "abc", "result": {}}
    listed = answer(request("tools/list"))
    assert listed.body is not None and listed.body["result"] == {"tools": mcp_tools.tools()}


def test_an_unknown_method_is_404_and_its_name_is_cut_short() -> None:
    error = error_of(answer(request("x" * 200)), rpc.METHOD_NOT_FOUND)
    assert len(error["message"]) < 150


def test_an_unknown_tool_is_invalid_params_naming_the_tools() -> None:
    error = error_of(answer(request("tools/call", {"name": "no_such_tool"})), rpc.INVALID_PARAMS)
    assert all(t["name"] in error["message"] for t in mcp_tools.tools())


def test_a_version_of_neither_era_is_400_naming_those_spoken() -> None:
    error = error_of(answer(request("tools/list"), {"MCP-Protocol-Version": "1999-01-01"}), rpc.UNSUPPORTED_PROTOCOL_VERSION)
    assert error["data"] == {"supported": list(rpc.PROTOCOL_VERSIONS), "requested": "1999-01-01"}


def test_a_modern_request_carries_result_type_and_the_lists_cache_scope() -> None:
    body, headers = modern("tools/list")
    found = answer(body, headers)
    assert found.status == 200 and found.body is not None
    assert found.body["result"] == {"tools": mcp_tools.tools(), "cacheScope": "public", "ttlMs": rpc.TOOLS_TTL_MS, "resultType": "complete"}


def test_server_discover_names_the_modern_versions_only() -> None:
    body, headers = modern("server/discover")
    found = answer(body, headers)
    assert found.body is not None and found.body["result"]["supportedVersions"] == list(rpc.MODERN_VERSIONS)


@pytest.mark.parametrize("method", ["initialize", "ping"])
def test_the_modern_era_has_no_handshake_and_no_ping(method: str) -> None:
    body, headers = modern(method, {"protocolVersion": MODERN} if method == "initialize" else None)
    error_of(answer(body, headers), rpc.METHOD_NOT_FOUND)


def test_a_modern_request_without_its_envelope_is_invalid_params() -> None:
    error_of(answer(request("tools/list"), {"MCP-Protocol-Version": MODERN, "Mcp-Method": "tools/list"}), rpc.INVALID_PARAMS)


@pytest.mark.parametrize(
    "change",
    [
        {"Mcp-Method": "tools/call"},
        {"MCP-Protocol-Version": rpc.HANDSHAKE_VERSIONS[0]},
    ],
)
def test_headers_that_disagree_with_the_body_are_a_mismatch(change: dict[str, str]) -> None:
    body, headers = modern("tools/list")
    found = answer(body, {**headers, **change})
    if "MCP-Protocol-Version" in change:  # now a handshake-era request: the envelope is not read, the list is answered
        assert found.status == 200
    else:
        error_of(found, rpc.HEADER_MISMATCH)


def test_the_name_header_must_match_the_tool_called_even_base64_encoded() -> None:
    body, headers = modern("tools/call", {"name": "no_such_tool"}, **{"Mcp-Name": "other_tool"})
    error_of(answer(body, headers), rpc.HEADER_MISMATCH)
    encoded = "=?base64?" + base64.b64encode(b"no_such_tool").decode() + "?="
    body, headers = modern("tools/call", {"name": "no_such_tool"}, **{"Mcp-Name": encoded})
    error_of(answer(body, headers), rpc.INVALID_PARAMS)  # past the headers: the tool is unknown
    body, headers = modern("tools/call", {"name": "no_such_tool"}, **{"Mcp-Name": "=?base64?!!notbase64?="})
    error_of(answer(body, headers), rpc.HEADER_MISMATCH)


def test_negotiate() -> None:
    assert rpc.negotiate(rpc.HANDSHAKE_VERSIONS[-1]) == rpc.HANDSHAKE_VERSIONS[-1]
    assert rpc.negotiate("nonsense") == rpc.HANDSHAKE_VERSIONS[0]
