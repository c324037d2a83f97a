"""The MCP export's snippets and the MCP Inspector's CLI, each against the running connector.

The generic snippet is read as a client would read it (URL and header, the placeholder
replaced by a real key) and the official SDK's client connects with it; the Inspector's
CLI (``@modelcontextprotocol/inspector --cli``, installed in tests/platforms/mcp-inspector
by the Makefile) lists the tools with its schema-portability check and calls one.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import anyio
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from chalicelib.contract import catalog
from platforms import export
from platforms.mcp.generate import KEY_PLACEHOLDER
from sandbox import DEMO_KEY_A

INSPECTOR = Path(__file__).resolve().parent / "mcp-inspector" / "node_modules" / ".bin" / "mcp-inspector"
TOOLS = [a["key"] for a in catalog.catalog()["actions"]] + ["list_recent_events"]


def test_the_export_writes_a_snippet_per_client_without_a_key(tmp_path: Path) -> None:
    out = tmp_path / "mcp"
    assert export.main(["--platform", "mcp", "--url", "https://abc.example/api/", "--out", str(out)]) == 0
    snippets = {p.name: json.loads(p.read_text()) for p in out.glob("*.json") if not p.name.startswith(".")}
    assert set(snippets) == {"claude_desktop_config.json", "cursor.mcp.json", "vscode.mcp.json", "streamable-http.json"}
    assert snippets["cursor.mcp.json"]["mcpServers"]["7stamp"]["url"] == "https://abc.example/api/mcp"
    assert snippets["vscode.mcp.json"]["servers"]["7stamp"]["type"] == "http"
    assert "https://abc.example/api/mcp" in snippets["claude_desktop_config.json"]["mcpServers"]["7stamp"]["args"]
    assert all("7loc_sc_demo" not in json.dumps(s) for s in snippets.values())
    readme = (out / "README.md").read_text()
    assert all(f"`{name}`" in readme for name in TOOLS)


def test_the_generic_snippet_connects_the_sdk_client(stack, tmp_path: Path) -> None:
    export.main(["--platform", "mcp", "--url", stack.connector, "--out", str(tmp_path)])
    snippet = json.loads((tmp_path / "streamable-http.json").read_text())
    headers = {name: value.replace(KEY_PLACEHOLDER, DEMO_KEY_A) for name, value in snippet["headers"].items()}

    async def main() -> list[str]:
        with anyio.fail_after(60):
            async with httpx2.AsyncClient(headers=headers, timeout=30) as http:
                async with Client(streamable_http_client(snippet["url"], http_client=http)) as client:
                    return [t.name for t in (await client.list_tools()).tools]

    assert anyio.run(main) == TOOLS


def inspector(stack, *args: str) -> Any:
    command = [str(INSPECTOR), "--cli", f"{stack.connector}/mcp", "--transport", "http", "--header", f"X-API-Key: {DEMO_KEY_A}", *args]
    run = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=INSPECTOR.parent.parent.parent)
    assert run.returncode == 0, (run.stdout[-3000:], run.stderr[-3000:])
    assert DEMO_KEY_A not in run.stderr
    return json.loads(run.stdout)


def test_the_inspector_cli_lists_portable_tools_and_calls_one(stack) -> None:
    listed = inspector(stack, "--method", "tools/list", "--strict")
    assert [t["name"] for t in listed["tools"]] == TOOLS
    called = inspector(stack, "--method", "tools/call", "--tool-name", "add_stamp", "--tool-arg", "card_id=card_demo_a")
    assert called.get("isError") is not True, called
    assert called["structuredContent"]["stamps_added"] == 1
    assert stack.sandbox.state.cards["card_demo_a"]["stamps"] == 4
