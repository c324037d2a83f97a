"""Configuration snippets that point AI clients at the connector's ``/mcp``, with a placeholder for the key.

One file per client, each in the shape that client reads: Claude Desktop (its config file
starts local servers only, so ``mcp-remote`` bridges to the URL), Cursor (``url`` and
``headers``), VS Code (``type: http``, the key asked once as a password input) and any
other Streamable HTTP client. The key is never written: each file names where it goes.
"""

from __future__ import annotations

from platforms.common import Catalog, Files, connector_url, to_json

SERVER = "7stamp"
KEY_HEADER = "X-API-Key"
KEY_VARIABLE = "SEVENSTAMP_API_KEY"
KEY_PLACEHOLDER = "7loc_sc_YOUR_LOCATION_KEY"
MCP_REMOTE = "mcp-remote@0.15.1"  # the stdio-to-HTTP bridge Claude Desktop's config file needs, pinned


def _readme(url: str, tools: list[str]) -> str:
    listed = "\n".join(f"- `{name}`" for name in tools)
    return f"""# 7stamp loyalty cards for AI agents (MCP)

The connector at {url} speaks the Model Context Protocol (Streamable HTTP) at `{url}/mcp`.
Each location authenticates with its own 7stamp API key (`7loc_sc_...`) in the `{KEY_HEADER}` header
(or `Authorization: Bearer ...`); replace `{KEY_PLACEHOLDER}` or set `{KEY_VARIABLE}` as each file says.

| client | file | where it goes |
|---|---|---|
| Claude Desktop | `claude_desktop_config.json` | merge into its config file (Settings > Developer > Edit Config); needs Node 18+ |
| Cursor | `cursor.mcp.json` | `.cursor/mcp.json` in a project or `~/.cursor/mcp.json`; set `{KEY_VARIABLE}` in the environment |
| VS Code | `vscode.mcp.json` | `.vscode/mcp.json`; VS Code asks for the key once and keeps it secret |
| any Streamable HTTP client | `streamable-http.json` | the URL and the header to send |

Tools (one per action and search, and the recent events of a trigger):

{listed}
"""


def generate(catalog: Catalog, url: str) -> Files:
    """The snippets for the connector at ``url``; the catalog names the tools in the README."""
    base = connector_url(url)
    endpoint = f"{base}/mcp"
    tools = [action["key"] for action in catalog["actions"]] + ["list_recent_events"]
    return {
        "README.md": _readme(base, tools),
        "claude_desktop_config.json": to_json(
            {
                "mcpServers": {
                    SERVER: {
                        "command": "npx",
                        "args": ["-y", MCP_REMOTE, endpoint, "--header", f"{KEY_HEADER}:${{{KEY_VARIABLE}}}"],
                        "env": {KEY_VARIABLE: KEY_PLACEHOLDER},
                    }
                }
            }
        ),
        "cursor.mcp.json": to_json({"mcpServers": {SERVER: {"url": endpoint, "headers": {KEY_HEADER: f"${{env:{KEY_VARIABLE}}}"}}}}),
        "vscode.mcp.json": to_json(
            {
                "inputs": [
                    {"type": "promptString", "id": "sevenstamp-api-key", "description": "7stamp API key (7loc_sc_...)", "password": True}
                ],
                "servers": {SERVER: {"type": "http", "url": endpoint, "headers": {KEY_HEADER: "${input:sevenstamp-api-key}"}}},
            }
        ),
        "streamable-http.json": to_json(
            {"name": SERVER, "transport": "streamable-http", "url": endpoint, "headers": {KEY_HEADER: KEY_PLACEHOLDER}}
        ),
    }
