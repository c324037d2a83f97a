"""POST /mcp driven by the official MCP Python SDK's client against the running local stack.

The client connects as agents do (``mode="auto"``: it discovers the current, handshake-free
revision, 2026-07-28) and, in ``mode="legacy"``, through the initialize handshake of the
earlier revisions; it lists the tools and calls them; every answer is checked against what
the sandbox holds. Hostile bodies are in tests/events/test_hostile_corpus.py.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from chalicelib.api import mcp_rpc, mcp_tools
from chalicelib.contract import catalog, registry
from sandbox import DEMO_KEY_A, DEMO_KEY_B

SHOPPER = "zoe.mcp@example.com"


def run_client(stack, key: str, session: Callable[[Client], Awaitable[Any]], mode: str = "auto") -> Any:
    """Connect the SDK's client with ``key`` and run ``session`` with it (bounded in time)."""

    async def main() -> Any:
        with anyio.fail_after(60):
            async with httpx2.AsyncClient(headers={"X-API-Key": key}, timeout=30) as http:
                async with Client(streamable_http_client(f"{stack.connector}/mcp", http_client=http), mode=mode) as client:
                    return await session(client)

    return anyio.run(main)


def calls(stack, key: str, *steps: tuple[str, dict[str, Any]]) -> list[Any]:
    """Call the tools in order in one session; the results, as the SDK returns them."""

    async def session(client: Client) -> list[Any]:
        return [await client.call_tool(name, arguments) for name, arguments in steps]

    return run_client(stack, key, session)


def structured(result: Any) -> Any:
    assert result.is_error is False, result.content
    assert json.loads(result.content[0].text) == result.structured_content
    return result.structured_content


def refusal(result: Any) -> dict[str, Any]:
    assert result.is_error is True, result.structured_content
    return json.loads(result.content[0].text)["error"]


def rpc(stack, body: Any, key: str | None = DEMO_KEY_A, **headers: str) -> httpx.Response:
    sent = {"X-API-Key": key, **headers} if key else headers
    return httpx.post(f"{stack.connector}/mcp", content=json.dumps(body), headers={"Content-Type": "application/json", **sent}, timeout=30)


def test_the_sdk_client_connects_at_the_current_version_and_lists_a_tool_per_definition(stack):
    async def session(client: Client) -> Any:
        return client.session.protocol_version, (await client.list_tools()).tools

    version, tools = run_client(stack, DEMO_KEY_A, session)
    assert version == mcp_rpc.MODERN_VERSIONS[0] == "2026-07-28"
    entries = catalog.catalog()["actions"]
    assert [t.name for t in tools] == [a["key"] for a in entries] + [mcp_tools.RECENT_EVENTS]
    for tool, entry in zip(tools, entries, strict=False):
        assert tool.description == entry["help"]
        assert tool.title == entry["label"]
        assert {f["key"] for f in entry["input_fields"]} <= set(tool.input_schema["properties"])
        assert ("idempotency_key" in tool.input_schema["properties"]) is (entry["kind"] == "create")
        assert tool.annotations.read_only_hint is (entry["kind"] == "search")
        assert tool.output_schema["type"] == "object"
    by_name = {t.name: t for t in tools}
    assert by_name["redeem_voucher"].annotations.destructive_hint is True
    assert by_name["add_stamp"].annotations.destructive_hint is False
    assert by_name["add_stamp"].annotations.idempotent_hint is True
    one_of = [rule["oneOf"] for rule in by_name["redeem_voucher"].input_schema["allOf"]]
    assert [[branch["required"] for branch in rule] for rule in one_of] == [[["voucher_id"], ["redeem_code"]]]
    events = by_name[mcp_tools.RECENT_EVENTS]
    assert events.annotations.read_only_hint is True
    assert events.input_schema["properties"]["event"]["enum"] == list(registry.triggers())


def test_the_initialize_handshake_of_the_earlier_revisions_works_too(stack):
    async def session(client: Client) -> Any:
        tools = (await client.list_tools()).tools
        stamped = await client.call_tool("add_stamp", {"card_id": "card_demo_a", "idempotency_key": "legacy-1"})
        return client.session.protocol_version, len(tools), structured(stamped)

    version, count, stamped = run_client(stack, DEMO_KEY_A, session, mode="legacy")
    assert (version, count) == (mcp_rpc.HANDSHAKE_VERSIONS[0], len(mcp_tools.tools()))
    assert stamped["stamps"] == stack.sandbox.state.cards["card_demo_a"]["stamps"] == 4


def test_an_older_version_the_server_speaks_is_kept(stack):
    for asked in mcp_rpc.HANDSHAKE_VERSIONS[1:]:
        body = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": asked, "capabilities": {}}}
        answer = rpc(stack, body)
        assert (answer.status_code, answer.json()["result"]["protocolVersion"]) == (200, asked)


def test_an_unknown_version_is_answered_with_the_newest(stack):
    answer = rpc(stack, {"jsonrpc": "2.0", "id": "x", "method": "initialize", "params": {"protocolVersion": "2099-01-01"}})
    result = answer.json()["result"]
    assert (answer.status_code, answer.json()["id"]) == (200, "x")
    assert result["protocolVersion"] == mcp_rpc.HANDSHAKE_VERSIONS[0]
    assert result["capabilities"] == {"tools": {"listChanged": False}}


def test_a_request_at_a_version_not_spoken_is_400_naming_those_spoken(stack):
    answer = rpc(stack, {"jsonrpc": "2.0", "id": 7, "method": "tools/list"}, **{"MCP-Protocol-Version": "2030-01-01"})
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == mcp_rpc.UNSUPPORTED_PROTOCOL_VERSION
    assert error["data"] == {"supported": list(mcp_rpc.PROTOCOL_VERSIONS), "requested": "2030-01-01"}


def modern(stack, method: str, params: dict[str, Any], meta: bool = True, **headers: str) -> httpx.Response:
    """One 2026-07-28 request: the envelope in ``params._meta`` and the routing headers (any of them overridden)."""
    envelope = {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": {**params, **({"_meta": envelope} if meta else {})}}
    return rpc(stack, body, **{"MCP-Protocol-Version": "2026-07-28", "Mcp-Method": method, **headers})


def test_the_current_revision_checks_its_envelope_and_headers(stack):
    discovered = modern(stack, "server/discover", {}).json()["result"]
    assert (discovered["supportedVersions"], discovered["resultType"]) == (["2026-07-28"], "complete")
    call = {"name": "find_customer", "arguments": {"email": "ada@demo.example"}}
    found = modern(stack, "tools/call", call, **{"Mcp-Name": "find_customer"}).json()["result"]
    assert found["structuredContent"]["results"][0]["card_id"] == "card_demo_a"
    refusals = [
        (modern(stack, "tools/call", call, meta=False, **{"Mcp-Name": "find_customer"}), 400, mcp_rpc.INVALID_PARAMS),
        (modern(stack, "tools/call", call, **{"Mcp-Name": "find_customer", "Mcp-Method": "tools/list"}), 400, mcp_rpc.HEADER_MISMATCH),
        (modern(stack, "tools/call", call, **{"Mcp-Name": "add_stamp"}), 400, mcp_rpc.HEADER_MISMATCH),
        (modern(stack, "ping", {}), 404, mcp_rpc.METHOD_NOT_FOUND),  # 2026-07-28 has no ping, nor initialize
        (modern(stack, "initialize", {"protocolVersion": "2026-07-28"}), 404, mcp_rpc.METHOD_NOT_FOUND),
    ]
    for answer, status, code in refusals:
        assert (answer.status_code, answer.json()["error"]["code"]) == (status, code), answer.text


def test_issue_stamp_twice_with_one_key_redeem_twice_and_find(stack):
    issued, first, second, voucher = map(
        structured,
        calls(
            stack,
            DEMO_KEY_A,
            ("issue_card", {"email": SHOPPER, "name": "Zoe", "template_id": "ct_a_coffee", "idempotency_key": "order-1"}),
            ("add_stamp", {"email": SHOPPER, "count": 2, "idempotency_key": "order-2"}),
            ("add_stamp", {"email": SHOPPER, "count": 2, "idempotency_key": "order-2"}),
            ("create_voucher", {"email": SHOPPER, "template_id": "vt_a_cake", "idempotency_key": "order-3"}),
        ),
    )
    card = issued["id"]
    assert issued["wallet_url"] and issued["created"] is True
    assert first == second and first["stamps_added"] == 2
    assert stack.sandbox.state.cards[card]["stamps"] == 2  # added once
    redeemed, again, found = calls(
        stack,
        DEMO_KEY_A,
        ("redeem_voucher", {"redeem_code": voucher["redeem_code"]}),
        ("redeem_voucher", {"voucher_id": voucher["id"]}),
        ("find_customer", {"email": SHOPPER}),
    )
    assert structured(redeemed)["status"] == "redeemed"
    assert refusal(again)["code"] == "already_redeemed"
    rows = structured(found)["results"]
    assert [(r["card_id"], r["stamps"], r["email"]) for r in rows] == [(card, 2, SHOPPER)]


def test_another_location_sees_none_of_it(stack):
    issued, voucher = map(
        structured,
        calls(
            stack,
            DEMO_KEY_A,
            ("issue_card", {"email": SHOPPER, "template_id": "ct_a_coffee"}),
            ("create_voucher", {"customer_id": "c_demo_a", "title": "A free cake"}),
        ),
    )
    stack.settle()
    stamps_before = stack.sandbox.state.cards[issued["id"]]["stamps"]
    found, stamp, redeem, by_code, by_id, history, events = calls(
        stack,
        DEMO_KEY_B,
        ("find_customer", {"email": SHOPPER}),
        ("add_stamp", {"card_id": issued["id"]}),
        ("redeem_voucher", {"voucher_id": voucher["id"]}),
        ("find_voucher", {"redeem_code": voucher["redeem_code"]}),
        ("find_voucher", {"voucher_id": voucher["id"]}),
        ("find_card_history", {"card_id": issued["id"]}),
        ("list_recent_events", {"event": "any"}),
    )
    assert structured(found)["results"] == []
    unknown = calls(
        stack,
        DEMO_KEY_B,
        ("add_stamp", {"card_id": "card_unknown"}),
        ("redeem_voucher", {"voucher_id": "v_unknown"}),
        ("find_card_history", {"card_id": "card_unknown"}),
    )
    assert [refusal(r) for r in (stamp, redeem, history)] == [refusal(r) for r in unknown]  # exactly as an unknown id
    assert refusal(stamp)["code"] == refusal(redeem)["code"] == "not_found"
    assert structured(by_code)["results"] == structured(by_id)["results"] == []
    assert structured(events)["events"] == []
    assert stack.sandbox.state.cards[issued["id"]]["stamps"] == stamps_before
    assert stack.sandbox.state.vouchers[voucher["id"]]["status"] != "redeemed"


def test_recent_events_of_a_trigger_with_its_filters(stack):
    (issued,) = map(structured, calls(stack, DEMO_KEY_A, ("issue_card", {"email": SHOPPER, "template_id": "ct_a_lunch"})))
    stack.settle()
    lunch, coffee, everything = map(
        structured,
        calls(
            stack,
            DEMO_KEY_A,
            ("list_recent_events", {"event": "card_issued", "filters": {"card_template_id": "ct_a_lunch"}}),
            ("list_recent_events", {"event": "card_issued", "filters": {"card_template_id": ["ct_a_coffee"]}}),
            ("list_recent_events", {"event": "any", "limit": 5}),
        ),
    )
    assert [e["card"]["id"] for e in lunch["events"]] == [issued["id"]]
    assert all(e["event"] == "card_issued" and e["id"].startswith("evt_") for e in lunch["events"])
    assert coffee["events"] == []
    assert issued["id"] in {(e.get("card") or {}).get("id") for e in everything["events"]}


def test_bad_arguments_are_tool_errors_naming_the_field(stack):
    none_given, bad_count, both, bad_filter, bad_event, long_key = calls(
        stack,
        DEMO_KEY_A,
        ("add_stamp", {}),
        ("add_stamp", {"card_id": "card_demo_a", "count": "lots"}),
        ("redeem_voucher", {"voucher_id": "v_1", "redeem_code": "ABC"}),
        ("list_recent_events", {"event": "stamp_added", "filters": {"colour": "red"}}),
        ("list_recent_events", {"event": "stamps_added"}),
        ("add_stamp", {"card_id": "card_demo_a", "idempotency_key": "k" * 1000}),
    )
    assert {"email", "phone", "customer_id", "card_id"} <= set(refusal(none_given)["fields"])
    assert set(refusal(bad_count)["fields"]) == {"count"}
    assert set(refusal(both)["fields"]) == {"voucher_id", "redeem_code"}
    assert set(refusal(bad_filter)["fields"]) == {"filters.colour"}
    assert set(refusal(bad_event)["fields"]) == {"event"}
    assert set(refusal(long_key)["fields"]) == {"idempotency_key"}
    assert stack.sandbox.state.cards["card_demo_a"]["stamps"] == 3


def test_an_unknown_tool_is_a_protocol_error(stack):
    async def session(client: Client) -> Any:
        with pytest.raises(MCPError) as raised:
            await client.call_tool("add_stamps", {"card_id": "card_demo_a"})
        return raised.value.error

    error = run_client(stack, DEMO_KEY_A, session)
    assert error.code == mcp_rpc.INVALID_PARAMS
    assert "add_stamp" in error.message


def test_without_a_key_it_is_401_in_the_api_error_shape(stack):
    answer = rpc(stack, {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, key=None)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "unauthorized"


def test_a_web_page_of_another_origin_is_refused_and_the_own_origin_served(stack):
    body = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    assert rpc(stack, body, Origin="https://evil.example").status_code == 403
    assert rpc(stack, body, Origin="null").status_code == 403
    assert rpc(stack, body, Origin=stack.connector).json() == {"jsonrpc": "2.0", "id": 1, "result": {}}


def test_no_event_stream_and_no_session(stack):
    for method in ("GET", "DELETE"):
        answer = httpx.request(method, f"{stack.connector}/mcp", headers={"X-API-Key": DEMO_KEY_A}, timeout=30)
        assert answer.status_code == 405
        assert answer.headers["Allow"] == "POST"
        assert answer.json()["error"]["code"] == "method_not_allowed"


def test_a_notification_is_accepted_without_a_body(stack):
    answer = rpc(stack, {"jsonrpc": "2.0", "method": "notifications/initialized"})
    assert (answer.status_code, answer.content) == (202, b"")


def test_the_key_is_never_logged(stack, caplog):
    caplog.set_level("DEBUG")
    calls(stack, DEMO_KEY_A, ("add_stamp", {"card_id": "card_demo_a"}), ("redeem_voucher", {"voucher_id": "v_none"}))
    rpc(stack, {"jsonrpc": "2.0", "id": 1, "method": "nope"})
    assert caplog.records
    assert DEMO_KEY_A not in caplog.text
