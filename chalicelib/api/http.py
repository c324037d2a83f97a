"""The one wrapper every route goes through.

It reads the body (413 over 256 KB, 400 when it is not a JSON object), authenticates the
caller when the route needs it, and turns the connector's errors into the JSON error
body with the right status. Anything unexpected is logged and answered as a bare 500:
never a stack trace, never the key.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chalice import Blueprint, Response  # type: ignore[attr-defined]

from chalicelib import auth, observability
from chalicelib.errors import BadRequest, ConnectorError, PayloadTooLarge
from chalicelib.store.records import Tenant

log = logging.getLogger("connector.http")

MAX_BODY = 256 * 1024
JSON_TYPES = ["application/json", "text/plain", "application/x-www-form-urlencoded", "application/octet-stream"]


@dataclass
class Call:
    """What a view gets: the parsed request and, on authenticated routes, the caller's tenant and key."""

    params: dict[str, str]
    query: dict[str, str]
    headers: dict[str, str]
    raw_body: bytes
    tenant: Tenant | None = None
    api_key: str = field(default="", repr=False)

    def json(self) -> dict[str, Any]:
        if not self.raw_body.strip():
            return {}
        try:
            body = json.loads(self.raw_body)
        except (ValueError, UnicodeDecodeError):
            raise BadRequest("The body is not valid JSON") from None
        if not isinstance(body, dict):
            raise BadRequest("The body must be a JSON object")
        return body

    @property
    def me(self) -> Tenant:
        assert self.tenant is not None, "route is not authenticated"
        return self.tenant


def error_response(error: ConnectorError) -> Response:
    return Response(body=error.body(), status_code=error.status, headers={"Content-Type": "application/json", **error.headers})


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body=json.dumps(body), status_code=status, headers={"Content-Type": "application/json", **(headers or {})})


def endpoint(bp: Blueprint, path: str, methods: list[str], *, authenticated: bool = True) -> Callable[[Callable[[Call], Any]], Callable[..., Response]]:
    """Register ``view(call)`` on ``bp``; a view returns a body (200 JSON) or a Response."""

    def register(view: Callable[[Call], Any]) -> Callable[..., Response]:
        @functools.wraps(view)
        def handler(**params: str) -> Response:
            request = bp.current_request
            observability.correlate((request.context or {}).get("requestId"))
            try:
                raw = request.raw_body or b""
                raw = raw.encode() if isinstance(raw, str) else raw
                if len(raw) > MAX_BODY:
                    raise PayloadTooLarge(f"The body is over {MAX_BODY // 1024} KB")
                call = Call(
                    params=params,
                    query=dict(request.query_params or {}),
                    headers=dict(request.headers or {}),
                    raw_body=raw,
                )
                if authenticated:
                    call.api_key = auth.key_from_headers(call.headers)
                    call.tenant = auth.authenticate(call.api_key)
                result = view(call)
            except ConnectorError as error:
                if error.status >= 500:
                    log.warning("%s %s -> %s %s", request.method, path, error.status, error.message)
                return error_response(error)
            except Exception:
                log.exception("unexpected error in %s %s", request.method, path)
                return json_response({"error": {"code": "internal", "message": "Something went wrong on our side"}}, 500)
            return result if isinstance(result, Response) else json_response(result)

        bp.route(path, methods=methods, content_types=JSON_TYPES)(handler)
        return handler

    return register
