"""The few JSON-RPC methods of MCP's Streamable HTTP transport, stateless, answered with JSON.

The server keeps no session: each POST carries one JSON-RPC message, and a request is
answered in the POST's response (``application/json``); a notification gets 202 and no
body. Two eras of the protocol are spoken, as the specification lets a server do:

- 2026-07-28 (the current revision): no handshake; every request carries its protocol
  version and the client's capabilities in ``params._meta``, and the ``MCP-Protocol-Version``,
  ``Mcp-Method`` and (for a tool call) ``Mcp-Name`` headers must agree with the body;
  ``server/discover`` names the versions spoken. Results carry ``resultType``.
- 2025-11-25 down to 2024-11-05: ``initialize`` keeps the client's version when it is one of
  them, else answers the newest (the lifecycle's negotiation); no envelope is needed.

A request whose ``MCP-Protocol-Version`` names a version of neither era is a 400 naming the
versions spoken (-32022), so a client moves to one of them.

Errors of the protocol are JSON-RPC errors with the HTTP status of the official SDK's table
(400 unreadable, invalid request, params or headers; 404 unknown method); a tool's own failure
is a tool result (``mcp_tools``). These models are the project's own: the SDK's server side
would bring an ASGI stack into the Lambda for a handful of methods.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, model_validator

from chalicelib.contract import input_types
from chalicelib.errors import BadRequest, McpProtocolError, UnknownTool, ValidationFailed
from chalicelib.security import strict_json

if TYPE_CHECKING:
    from chalicelib.api.http import Call

MODERN_VERSIONS = ("2026-07-28",)  # the per-request envelope, no handshake
HANDSHAKE_VERSIONS = ("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05")  # reached through initialize, newest first
PROTOCOL_VERSIONS = MODERN_VERSIONS + HANDSHAKE_VERSIONS
VERSION_HEADER = "mcp-protocol-version"
METHOD_HEADER = "mcp-method"
NAME_HEADER = "mcp-name"
VERSION_META = "io.modelcontextprotocol/protocolVersion"
CAPABILITIES_META = "io.modelcontextprotocol/clientCapabilities"
SERVER_INFO_META = "io.modelcontextprotocol/serverInfo"
TOOLS_TTL_MS = 300_000  # how long a client may keep the tool list: it changes only with a deployment
SERVER_INFO = {"name": "7stamp-connector", "title": "7stamp loyalty cards", "version": "1.0.0"}
INSTRUCTIONS = (
    "Tools for one 7stamp location's wallet loyalty cards: issue cards, add stamps, create and redeem vouchers, "
    "find customers, vouchers and card history, and list recent events. Pass idempotency_key (e.g. the order ID) "
    "on every write so that a retry changes nothing."
)

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
HEADER_MISMATCH = -32020
UNSUPPORTED_PROTOCOL_VERSION = -32022
HTTP_STATUS = {
    PARSE_ERROR: 400,
    INVALID_REQUEST: 400,
    INVALID_PARAMS: 400,
    HEADER_MISMATCH: 400,
    UNSUPPORTED_PROTOCOL_VERSION: 400,
    METHOD_NOT_FOUND: 404,
}

RequestId = Annotated[int | str | None, WithJsonSchema({"type": ["integer", "string"]})]


class McpMessage(BaseModel):
    """One JSON-RPC 2.0 request (with ``id``) or notification (without) POSTed to /mcp."""

    model_config = ConfigDict(extra="forbid", strict=True)
    jsonrpc: Literal["2.0"]
    id: RequestId = Field(None, description="The request's id, echoed in the answer; absent for a notification (null is not an id).")
    method: str = Field(min_length=1, max_length=200)
    params: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _id_not_null(self) -> Self:
        if "id" in self.model_fields_set and self.id is None:
            raise ValueError("id must be a string or an integer, not null")
        return self


class McpRpcError(BaseModel):
    code: int
    message: str
    data: Any = None


class McpReply(BaseModel):
    """A JSON-RPC response: ``result`` or ``error``."""

    jsonrpc: Literal["2.0"]
    id: int | str | None
    result: dict[str, Any] | None = None
    error: McpRpcError | None = None


class McpErrorReply(BaseModel):
    """A JSON-RPC error response (its ``id`` is null when the request's could not be read)."""

    jsonrpc: Literal["2.0"]
    id: int | str | None
    error: McpRpcError


@dataclass(frozen=True)
class Answer:
    """What the route sends: the HTTP status and the JSON-RPC body (None: 202, nothing to say)."""

    status: int
    body: dict[str, Any] | None


def _error(request_id: int | str | None, error: McpProtocolError) -> Answer:
    body: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.data is not None:
        body["data"] = error.data
    return Answer(HTTP_STATUS.get(error.code, 200), {"jsonrpc": "2.0", "id": request_id, "error": body})


def _read(call: Call) -> McpMessage:
    try:
        value = strict_json.loads(call.raw_body)
    except BadRequest as error:
        raise McpProtocolError(PARSE_ERROR, error.message) from None
    if isinstance(value, list):
        raise McpProtocolError(INVALID_REQUEST, "Batches are not supported: POST one JSON-RPC message at a time")
    if not isinstance(value, dict):
        raise McpProtocolError(INVALID_REQUEST, "The body must be one JSON-RPC message (an object)")
    try:
        message = input_types.parse(McpMessage, value)
    except ValidationFailed as error:
        raise McpProtocolError(INVALID_REQUEST, "Not a JSON-RPC 2.0 request: " + error.message, {"fields": error.fields}) from None
    assert isinstance(message, McpMessage)
    return message


_KINDS: dict[type, str] = {str: "a string", dict: "an object"}


def _param(params: dict[str, Any], name: str, kind: type[str] | type[dict[str, Any]], required: bool = True) -> Any:
    value = params.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, kind):
        what = _KINDS[kind]
        raise McpProtocolError(INVALID_PARAMS, f"params.{name} must be {what}", {"fields": {f"params.{name}": f"must be {what}"}})
    return value


def negotiate(requested: str) -> str:
    """The version of a handshake: the client's when this server speaks it, else the newest reached by handshake."""
    return requested if requested in HANDSHAKE_VERSIONS else HANDSHAKE_VERSIONS[0]


def _initialize(params: dict[str, Any]) -> dict[str, Any]:
    requested = _param(params, "protocolVersion", str)
    _param(params, "capabilities", dict, required=False)
    _param(params, "clientInfo", dict, required=False)
    return {
        "protocolVersion": negotiate(requested),
        "capabilities": {"tools": {"listChanged": False}},
        "serverInfo": SERVER_INFO,
        "instructions": INSTRUCTIONS,
    }


def _call_tool(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    from chalicelib.api import mcp_tools

    name = _param(params, "name", str)
    arguments = _param(params, "arguments", dict, required=False) or {}
    try:
        return mcp_tools.call_tool(call, name, arguments)
    except UnknownTool as error:
        raise McpProtocolError(INVALID_PARAMS, str(error)) from None


def _decoded(value: str | None) -> str | None:
    """A header value as the client meant it: ``=?base64?...?=`` carries text a header cannot (SDK's encode_header_value)."""
    if value is None or not (value.startswith("=?base64?") and value.endswith("?=")):
        return value
    try:
        return base64.b64decode(value[9:-2], validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None


def _check_envelope(message: McpMessage, headers: dict[str, str]) -> None:
    """The 2026-07-28 request's envelope: version and capabilities in ``_meta``, the routing headers agreeing with the body."""
    meta = (message.params or {}).get("_meta")
    if not isinstance(meta, dict) or VERSION_META not in meta or CAPABILITIES_META not in meta:
        raise McpProtocolError(INVALID_PARAMS, f"params._meta must carry {VERSION_META!r} and {CAPABILITIES_META!r}")
    if meta[VERSION_META] != headers.get(VERSION_HEADER):
        raise McpProtocolError(HEADER_MISMATCH, "The MCP-Protocol-Version header does not match params._meta's protocol version")
    if headers.get(METHOD_HEADER) != message.method:
        raise McpProtocolError(HEADER_MISMATCH, "The Mcp-Method header does not match the request's method")
    name = (message.params or {}).get("name")
    if message.method == "tools/call" and name is not None and _decoded(headers.get(NAME_HEADER)) != name:
        raise McpProtocolError(HEADER_MISMATCH, "The Mcp-Name header does not match params.name")


def _discover() -> dict[str, Any]:
    return {
        "supportedVersions": list(MODERN_VERSIONS),
        "capabilities": {"tools": {"listChanged": False}},
        "instructions": INSTRUCTIONS,
        "cacheScope": "public",
        "ttlMs": TOOLS_TTL_MS,
        "_meta": {SERVER_INFO_META: SERVER_INFO},
    }


def _result(call: Call, message: McpMessage, modern: bool) -> dict[str, Any]:
    params = message.params or {}
    if message.method == "tools/list":
        from chalicelib.api import mcp_tools

        return {"tools": mcp_tools.tools(), **({"cacheScope": "public", "ttlMs": TOOLS_TTL_MS} if modern else {})}
    if message.method == "tools/call":
        return _call_tool(call, params)
    if modern and message.method == "server/discover":
        return _discover()
    if not modern and message.method == "initialize":
        return _initialize(params)
    if not modern and message.method == "ping":  # 2026-07-28 has no ping
        return {}
    raise McpProtocolError(METHOD_NOT_FOUND, f"Method not found: {message.method[:100]!r}")


def answer(call: Call) -> Answer:
    """The answer to one POST /mcp of an authenticated caller."""
    try:
        message = _read(call)
    except McpProtocolError as error:
        return _error(None, error)
    headers = {k.lower(): v for k, v in call.headers.items()}
    version = headers.get(VERSION_HEADER)
    modern = version in MODERN_VERSIONS
    if version is not None and version not in PROTOCOL_VERSIONS and message.method != "initialize":
        data = {"supported": list(PROTOCOL_VERSIONS), "requested": version[:100]}
        return _error(message.id, McpProtocolError(UNSUPPORTED_PROTOCOL_VERSION, "Unsupported protocol version", data))
    if message.id is None:
        return Answer(202, None)  # a notification (initialized, cancelled, ...): nothing to answer in a stateless server
    try:
        if modern:
            _check_envelope(message, headers)
        result = _result(call, message, modern)
    except McpProtocolError as error:
        return _error(message.id, error)
    return Answer(200, {"jsonrpc": "2.0", "id": message.id, "result": {**result, "resultType": "complete"} if modern else result})
