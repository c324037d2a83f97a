"""The hostile corpus of issue 10, one named test per case: each answered 4xx naming the problem, or stored and delivered.

Bodies are validly signed, so each reaches the check it is about. Nothing refused is stored.
"""

from __future__ import annotations

import json
import time

import httpx
import pytest
from event_support import subscribe

from chalicelib.contract.limits import EVENT_NAME_MAX, MAX_JSON_DEPTH
from chalicelib.security import signing
from sandbox import DEMO_KEY_A, DEMO_LOCATION_A

DEEP = "[" * 10_000 + "]" * 10_000


def connected(stack) -> object:
    with stack.client(DEMO_KEY_A) as c:
        c.get("/v1/me")
    return stack.services.locations.get(DEMO_LOCATION_A)


def post_signed(stack, connection, body: str | bytes, message_id: str) -> httpx.Response:
    raw = body.encode() if isinstance(body, str) else body
    headers = signing.headers(connection.secret, message_id, int(time.time()), raw.decode("utf-8", "surrogatepass"))
    return httpx.post(f"{stack.connector}/inbound/7stamp/{connection.token}", content=raw, headers=headers, timeout=30)


def event(**fields: object) -> dict:
    return {
        "event": "card_opened",
        "timestamp": "2026-11-22T10:00:00Z",
        "business_id": "b_demo",
        "location_id": DEMO_LOCATION_A,
        "customer": {"id": "c_demo_a"},
        **fields,
    }


def stored(stack) -> list[dict]:
    with stack.client(DEMO_KEY_A) as c:
        answer = c.get("/v1/triggers/any", params={"limit": "100"})
        assert answer.status_code == 200, answer.text
        return answer.json()


def error_of(answer: httpx.Response, status: int) -> dict:
    assert answer.status_code == status, answer.text
    assert "Traceback" not in answer.text
    return answer.json()["error"]


def test_an_inbound_body_nested_10000_deep_is_400_and_stores_nothing(stack):
    connection = connected(stack)
    body = json.dumps(event())[:-1] + f', "deep": {DEEP}}}'
    error = error_of(post_signed(stack, connection, body, "msg_deep"), 400)
    assert f"more than {MAX_JSON_DEPTH} levels" in error["message"]
    assert stored(stack) == []


def test_nesting_up_to_the_limit_is_accepted(stack):
    connection = connected(stack)
    nested = "[" * (MAX_JSON_DEPTH - 1) + "1" + "]" * (MAX_JSON_DEPTH - 1)  # inside the top-level object
    assert post_signed(stack, connection, json.dumps(event())[:-1] + f', "deep": {nested}}}', "msg_ok").status_code == 200
    assert len(stored(stack)) == 1


@pytest.mark.parametrize("body", [{"event": "stamp_added", "target_url": "http://127.0.0.1:65535/x", "filters": {"x": "PLACEHOLDER"}}])
def test_a_hook_body_nested_10000_deep_is_400(stack, body):
    raw = json.dumps(body).replace('"PLACEHOLDER"', DEEP)
    with stack.client(DEMO_KEY_A) as c:
        error = error_of(c.post("/v1/hooks", content=raw, headers={"Content-Type": "application/json"}), 400)
        assert "levels deep" in error["message"]
        assert c.get("/v1/hooks").json() == []


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_nan_and_infinity_in_an_inbound_body_are_400_and_store_nothing(stack, constant):
    connection = connected(stack)
    body = json.dumps(event())[:-1] + f', "amount": {constant}}}'
    error = error_of(post_signed(stack, connection, body, f"msg_{constant}"), 400)
    assert constant in error["message"]
    assert stored(stack) == []


@pytest.mark.parametrize("path", ["/v1/actions/add-stamp", "/v1/hooks"])
def test_nan_in_an_action_or_hook_body_is_400(stack, path):
    with stack.client(DEMO_KEY_A) as c:
        error = error_of(
            c.post(path, content=b'{"card_id": "card_demo_a", "count": NaN}', headers={"Content-Type": "application/json"}), 400
        )
    assert "NaN" in error["message"]


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ({"limit": "²"}, "limit"),
        ({"limit": "١٠"}, "limit"),
        ({"limit": "+5"}, "limit"),
        ({"since": "evt_²_abc"}, "since"),
        ({"since": "evt_" + "9" * 5000 + "_abc"}, "since"),
        ({"samples": "AAA"}, "samples"),
    ],
)
def test_number_and_cursor_parameters_are_strict(stack, query, name):
    with stack.client(DEMO_KEY_A) as c:
        error = error_of(c.get("/v1/triggers/any", params=query), 422)
    assert name in error["fields"]


def test_replay_since_with_a_unicode_digit_is_422(stack, receiver):
    with stack.client(DEMO_KEY_A) as c:
        hook = subscribe(c, "stamp_added", receiver.url)
        error = error_of(c.post(f"/v1/hooks/{hook['id']}/replay", json={"since": "evt_²_ab"}), 422)
    assert "since" in error["fields"]


def test_an_event_name_over_100_characters_is_422_and_stores_nothing(stack):
    connection = connected(stack)
    error = error_of(post_signed(stack, connection, json.dumps(event(event="x" * 10_000)), "msg_long_name"), 422)
    assert "event" in error["fields"]
    assert stored(stack) == []
    name = "y" * EVENT_NAME_MAX  # the longest name is stored (and goes to "any event" subscribers)
    assert post_signed(stack, connection, json.dumps(event(event=name)), "msg_longest").status_code == 200
    assert [e["event"] for e in stored(stack)] == [name]


def test_200_kb_of_accented_text_is_stored_and_delivered_as_sent(stack, receiver):
    connection = connected(stack)
    note = "é" * (100 * 1024)  # 200 KB in UTF-8; six times that as \\u escapes
    with stack.client(DEMO_KEY_A) as c:
        hook = subscribe(c, "card_opened", receiver.url)
    answer = post_signed(stack, connection, json.dumps(event(note=note), ensure_ascii=False), "msg_accents")
    assert answer.status_code == 200, answer.text
    assert [e["note"] for e in stored(stack)] == [note]
    stack.settle()
    [delivery] = receiver.received
    assert delivery.verify(hook["secret"])["note"] == note


def test_a_body_that_would_grow_past_the_item_limit_is_413_and_stores_nothing(stack):
    connection = connected(stack)
    body = json.dumps(event())[:-1] + ', "n": [' + ",".join(["1e15"] * 45_000) + "]}"  # 1e15 is stored as 1000000000000000.0
    assert len(body.encode()) < 256 * 1024
    error = error_of(post_signed(stack, connection, body, "msg_grows"), 413)
    assert "KB" in error["message"]
    assert stored(stack) == []


def test_webhook_ids_sharing_their_first_200_characters_are_two_events(stack):
    connection = connected(stack)
    prefix = "msg_" + "p" * 300
    first = post_signed(stack, connection, json.dumps(event(n=1)), prefix + "_one")
    second = post_signed(stack, connection, json.dumps(event(n=2)), prefix + "_two")
    assert first.json()["duplicate"] is False and second.json()["duplicate"] is False
    assert sorted(e["n"] for e in stored(stack)) == [1, 2]
    again = post_signed(stack, connection, json.dumps(event(n=2)), prefix + "_two")
    assert again.json() == {"id": second.json()["id"], "duplicate": True}


def _tools_call(name: object, arguments: object) -> dict:
    return {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name, "arguments": arguments}}


MCP_PROTOCOL_REFUSALS = {  # body -> (status, JSON-RPC error code)
    "not JSON": ("{jsonrpc: 2.0", 400, -32700),
    "empty": ("", 400, -32700),
    "nested 10000 deep": ('{"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {"x": ' + DEEP + "}}", 400, -32700),
    "NaN": ('{"jsonrpc": "2.0", "id": NaN, "method": "ping"}', 400, -32700),
    "lone surrogate": ('{"jsonrpc": "2.0", "id": "\\ud800", "method": "ping"}', 400, -32700),
    "a batch": (json.dumps([{"jsonrpc": "2.0", "id": 1, "method": "ping"}] * 3), 400, -32600),
    "a string": (json.dumps("tools/list"), 400, -32600),
    "null id": (json.dumps({"jsonrpc": "2.0", "id": None, "method": "ping"}), 400, -32600),
    "float id": (json.dumps({"jsonrpc": "2.0", "id": 1.5, "method": "ping"}), 400, -32600),
    "object id": (json.dumps({"jsonrpc": "2.0", "id": {"a": 1}, "method": "ping"}), 400, -32600),
    "version 1.0": (json.dumps({"jsonrpc": "1.0", "id": 1, "method": "ping"}), 400, -32600),
    "params an array": (json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": [1]}), 400, -32600),
    "a response": (json.dumps({"jsonrpc": "2.0", "id": 1, "result": {}}), 400, -32600),
    "an extra member": (json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping", "key": "x"}), 400, -32600),
    "a 100 KB method": (json.dumps({"jsonrpc": "2.0", "id": 1, "method": "m" * 100_000}), 400, -32600),
    "unknown method": (json.dumps({"jsonrpc": "2.0", "id": 1, "method": "resources/list"}), 404, -32601),
    "tool name a number": (json.dumps(_tools_call(5, {})), 400, -32602),
    "arguments a string": (json.dumps(_tools_call("add_stamp", "card_demo_a")), 400, -32602),
    "a 100 KB tool name": (json.dumps(_tools_call("x" * 100_000, {})), 400, -32602),
    "initialize without a version": (json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}), 400, -32602),
}


def mcp_post(stack, body: str | bytes, key: str | None = DEMO_KEY_A) -> httpx.Response:
    headers = {"Content-Type": "application/json", **({"X-API-Key": key} if key else {})}
    return httpx.post(f"{stack.connector}/mcp", content=body, headers=headers, timeout=30)


def test_each_hostile_mcp_body_is_a_4xx_json_rpc_error(stack):
    """One stack for the whole corpus (each case named in its failure)."""
    for case, (body, status, code) in MCP_PROTOCOL_REFUSALS.items():
        answer = mcp_post(stack, body)
        assert answer.status_code == status, (case, answer.text)
        assert "Traceback" not in answer.text and len(answer.content) < 20_000, case  # nothing hostile echoed back whole
        reply = answer.json()
        assert (reply["jsonrpc"], reply["error"]["code"]) == ("2.0", code), case


HOSTILE_ARGUMENTS = [
    {"card_id": "card_demo_a", "count": 10**30},
    {"card_id": "card_demo_a", "count": True},
    {"card_id": "\u202e\x00card"},
    {"card_id": "card_demo_a", "comment": "   "},
    {"card_id": "card_demo_a", "nested": {"a": {"b": {"c": [[[[[[1]]]]]]}}}},
    {"card_id": ["card_demo_a"]},
    {"email": "a@" + "b" * 300 + ".example"},
    {"card_id": "card_demo_a", "idempotency_key": {"order": 1}},
]


def test_hostile_tool_arguments_are_tool_errors_and_change_nothing(stack):
    for arguments in HOSTILE_ARGUMENTS:
        answer = mcp_post(stack, json.dumps(_tools_call("add_stamp", arguments)))
        assert answer.status_code == 200, answer.text
        result = answer.json()["result"]
        assert result["isError"] is True, arguments
        assert json.loads(result["content"][0]["text"])["error"]["code"] in ("validation_error", "not_found"), arguments
    assert stack.sandbox.state.cards["card_demo_a"]["stamps"] == 3


def test_an_mcp_body_over_the_limit_is_413_and_without_a_key_401(stack):
    big = json.dumps(_tools_call("add_stamp", {"comment": "x" * (300 * 1024)}))
    assert error_of(mcp_post(stack, big), 413)["code"] == "payload_too_large"
    assert error_of(mcp_post(stack, "{}", key=None), 401)["code"] == "unauthorized"
    assert error_of(mcp_post(stack, "{}", key="7loc_sc_" + "x" * 500), 401)["code"] == "unauthorized"
