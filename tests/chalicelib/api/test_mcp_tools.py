"""The MCP tools are derived from the definitions: nothing about a tool is written twice."""

from __future__ import annotations

import dataclasses

from chalicelib.api import mcp_tools
from chalicelib.contract import registry


def test_a_tool_is_derived_from_its_definition(monkeypatch):
    """Changing one definition's help changes its tool's description, with no edit elsewhere."""
    changed = {**registry.actions()}
    changed["add_stamp"] = dataclasses.replace(changed["add_stamp"], help_text="Credits a shopper with stamps (changed).")
    monkeypatch.setattr(registry, "actions", lambda: changed)
    mcp_tools.tools.cache_clear()
    try:
        described = {t["name"]: t["description"] for t in mcp_tools.tools()}
    finally:
        mcp_tools.tools.cache_clear()
    assert described["add_stamp"] == "Credits a shopper with stamps (changed)."
    assert described["issue_card"] == registry.actions()["issue_card"].help_text


def test_a_new_event_and_a_new_action_are_tools_with_no_other_edit(monkeypatch):
    """A 15th trigger is a choice of list_recent_events (and named in its description); a new action is a tool."""
    trigger = dataclasses.replace(registry.triggers()["stamp_added"], key="points_converted", label="Points Converted")
    action = dataclasses.replace(registry.actions()["add_stamp"], key="add_points", help_text="Adds points.")
    triggers, actions = {**registry.triggers(), trigger.key: trigger}, {**registry.actions(), action.key: action}
    monkeypatch.setattr(registry, "triggers", lambda: triggers)
    monkeypatch.setattr(registry, "actions", lambda: actions)
    mcp_tools.tools.cache_clear()
    mcp_tools.recent_events_input.cache_clear()
    try:
        tools = {t["name"]: t for t in mcp_tools.tools()}
    finally:
        mcp_tools.tools.cache_clear()
        mcp_tools.recent_events_input.cache_clear()
    events = tools[mcp_tools.RECENT_EVENTS]
    assert "points_converted" in events["inputSchema"]["properties"]["event"]["enum"]
    assert "- points_converted: Points Converted (filters: card_template_id)" in events["description"]
    assert tools["add_points"]["description"] == "Adds points."
    assert "idempotency_key" in tools["add_points"]["inputSchema"]["properties"]


def test_post_mcp_is_in_the_openapi_document_with_its_json_rpc_models():
    """So schemathesis fuzzes it: the request is one JSON-RPC message, 400 and 404 answer JSON-RPC errors."""
    from chalicelib.api import openapi, routes

    document = openapi.document(routes.operations())
    post = document["paths"]["/mcp"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/McpMessage"}
    assert {
        status: answer["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        for status, answer in post["responses"].items()
        if "content" in answer and status in ("200", "400", "404", "401")
    } == {
        "200": "McpReply",
        "400": "McpErrorReply",
        "404": "McpErrorReply",
        "401": "Error",
    }
    assert "get" not in document["paths"]["/mcp"]  # 405: no event stream, not an operation
