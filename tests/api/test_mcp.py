"""POST /mcp driven by the official MCP Python SDK's client against the running local stack.

The client connects as agents do (``mode="auto"``: it probes for a newer revision, then
falls back to the initialize handshake this stateless server speaks), lists the tools and
calls them; every answer is checked against what the stack holds.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from chalicelib.api import mcp_rpc
from sandbox import DEMO_KEY_A


def run_client(stack, key: str, session: Callable[[Client], Awaitable[Any]], mode: str = "auto") -> Any:
    """Connect the SDK's client with ``key`` and run ``session`` with it (bounded in time)."""

    async def main() -> Any:
        with anyio.fail_after(60):
            async with httpx2.AsyncClient(headers={"X-API-Key": key}, timeout=30) as http:
                async with Client(streamable_http_client(f"{stack.connector}/mcp", http_client=http), mode=mode) as client:
                    return await session(client)

    return anyio.run(main)


def structured(result: Any) -> Any:
    assert result.is_error is False, result.content
    return result.structured_content


def refusal(result: Any) -> dict[str, Any]:
    assert result.is_error is True
    return json.loads(result.content[0].text)["error"]


def test_the_client_connects_at_the_newest_handshake_version(stack):
    async def session(client: Client) -> Any:
        return client.session.protocol_version, (await client.list_tools()).tools

    version, tools = run_client(stack, DEMO_KEY_A, session)
    assert version == mcp_rpc.PROTOCOL_VERSIONS[0]
    assert {t.name for t in tools} >= {"issue_card", "add_stamp", "redeem_voucher", "find_customer", "list_recent_events"}
