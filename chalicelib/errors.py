"""The connector's one error tree.

    ConnectorError                 anything the connector reports to a caller
    ├── BadRequest          400    the body is not JSON, or not an object
    ├── Unauthorized        401    missing, malformed, unknown or revoked key; bad signature
    ├── Forbidden           403    an object or body of another location
    ├── NotFound            404
    ├── MethodNotAllowed    405    a method the route does not take (the inbound function URL)
    ├── Conflict            409    already_redeemed, voucher_expired, idempotency_conflict, ...
    ├── PayloadTooLarge     413
    │   └── ItemTooLarge    413    a record would be over what the store may hold
    ├── ValidationFailed    422    names each bad field in words a marketer understands
    ├── RateLimited         429    carries Retry-After
    ├── UpstreamError       502    7stamp failed or answered nonsense
    └── UpstreamTimeout     504    7stamp did not answer in time
    SettingsError                  a bad setting, raised at start (not a caller's error)
    McpProtocolError               a JSON-RPC error of /mcp, answered in JSON-RPC's shape (api/mcp_rpc.py)
    UnknownTool                    a tools/call naming no tool: answered as a JSON-RPC invalid-params error, not a tool result

httpx and botocore errors are translated where they are caught (the 7stamp client, the
store modules); only the HTTP layer turns these into responses.
"""

from __future__ import annotations

from typing import Any


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the variable."""


class ConnectorError(Exception):
    """Base of every error a caller may see; status and code decide the response."""

    status: int = 500
    code: str = "internal"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """The JSON error body of the HTTP contract."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.fields:
            error["fields"] = self.fields
        return {"error": error}


class BadRequest(ConnectorError):
    """The request could not be read at all."""

    status, code = 400, "bad_request"


class Unauthorized(ConnectorError):
    """No usable credentials, or a signature that does not verify."""

    status, code = 401, "unauthorized"


class Forbidden(ConnectorError):
    """The object belongs to another location."""

    status, code = 403, "forbidden"


class NotFound(ConnectorError):
    """Nothing of that id or token exists for this caller."""

    status, code = 404, "not_found"


class MethodNotAllowed(ConnectorError):
    """The route exists but does not take this method."""

    status, code = 405, "method_not_allowed"


class Conflict(ConnectorError):
    """The request clashes with the object's state or an earlier idempotent request."""

    status, code = 409, "conflict"


class PayloadTooLarge(ConnectorError):
    """The body is over the size limit."""

    status, code = 413, "payload_too_large"


class ItemTooLarge(PayloadTooLarge):
    """A record would be larger than the store's item size limit once stored."""


class ValidationFailed(ConnectorError):
    """One or more fields are wrong; ``fields`` maps each to a readable reason."""

    status, code = 422, "validation_error"


class RateLimited(ConnectorError):
    """7stamp throttled us, or a limit of the connector's own was reached; the caller should come back after ``retry_after`` seconds."""

    status, code = 429, "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, headers={"Retry-After": str(max(1, retry_after))})
        self.retry_after = max(1, retry_after)


class UpstreamError(ConnectorError):
    """7stamp failed, refused the connection or answered something unreadable."""

    status, code = 502, "upstream_error"


class UpstreamTimeout(ConnectorError):
    """7stamp did not answer within the time limit."""

    status, code = 504, "upstream_timeout"


class McpProtocolError(Exception):
    """A JSON-RPC error of ``POST /mcp``: its code and data go in the JSON-RPC error, not the API's error body."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code, self.message, self.data = code, message, data


class UnknownTool(LookupError):
    """A tools/call names no tool of this server; the message names the tools there are."""
