"""``POST /mcp``: the connector as an MCP server (Streamable HTTP, stateless, JSON answers).

An AI agent's client reaches the same actions, searches and events as the workflow
platforms, authenticated by the caller's own key like every route (401 in the API's error
shape without one). Only this route loads the protocol (``mcp_rpc``) and the tools
(``mcp_tools``), on its first call, so the Lambda's cold start does not carry them.

The transport's security section asks servers to check ``Origin`` against DNS rebinding: a
request a browser sends from another site is refused (403); one without ``Origin`` (a
desktop or server-side client) or from the connector's own origin (the console) is served.
There are no server-sent streams, so ``GET /mcp`` is 405, as the transport says, and so is
``DELETE`` (there is no session to end).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from chalice import Blueprint, Response  # type: ignore[attr-defined]

from chalicelib.api.http import Call, endpoint, error_response, json_response
from chalicelib.errors import Forbidden, MethodNotAllowed

bp = Blueprint(__name__)
PATH = "/mcp"
RPC = "chalicelib.api.mcp_rpc:"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def check_origin(call: Call) -> None:
    """403 for a request a browser sent from a site other than the connector's own."""
    origin = {k.lower(): v for k, v in call.headers.items()}.get("origin")
    if origin is not None and origin.strip().lower().rstrip("/") != _origin(call.services.settings.public_url):
        raise Forbidden("Requests from this web origin are not accepted: MCP clients call without an Origin header")


@endpoint(
    bp,
    PATH,
    ["POST"],
    summary="The Model Context Protocol (Streamable HTTP, stateless): one tool per action and search, and recent events",
    body=RPC + "McpMessage",
    view_reads_body=True,
    responses={200: RPC + "McpReply", 202: None, 400: RPC + "McpErrorReply", 404: RPC + "McpErrorReply"},
    errors=(403,),
)
def mcp(call: Call) -> Any:
    from chalicelib.api import mcp_rpc

    check_origin(call)
    answer = mcp_rpc.answer(call)
    if answer.body is None:
        return Response(body="", status_code=answer.status)
    return json_response(answer.body, answer.status)


@bp.route(PATH, methods=["GET", "DELETE"])
def no_stream() -> Response:
    """No server-sent streams and no sessions: 405 (not an operation of the OpenAPI document, which lists what a client may call)."""
    response: Response = error_response(MethodNotAllowed("/mcp takes POST only: this server offers no event stream and keeps no session"))
    response.headers["Allow"] = "POST"
    return response
