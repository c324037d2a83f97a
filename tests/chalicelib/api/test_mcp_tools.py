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
