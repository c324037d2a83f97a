"""The one wrapper every route goes through, and the declaration the OpenAPI document is built from.

A route is declared once with ``endpoint``: its path and method, whether it needs a key,
the pydantic models of its JSON body, query and answers, and the error statuses it can
give. The wrapper reads the body with the strict JSON reader (413 over the size limit,
400 when it is not a JSON object), validates body and query with those models (422
naming each field), authenticates the caller when the route needs it, and turns the
connector's errors into the JSON error body with the right status. Anything unexpected
is logged and answered as a bare 500: never a stack trace, never the key.
``chalicelib.api.openapi`` reads ``OPERATIONS``, so the document is made of the very models
the routes validate with.
"""

from __future__ import annotations

import functools
import importlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from chalice import Blueprint, Response  # type: ignore[attr-defined]

from chalicelib import observability
from chalicelib.container import Services
from chalicelib.contract.limits import MAX_BODY_BYTES
from chalicelib.errors import ConnectorError, PayloadTooLarge
from chalicelib.security import auth, strict_json
from chalicelib.store.records import Tenant

if TYPE_CHECKING:
    from pydantic import BaseModel

log = logging.getLogger("connector.http")

JSON_TYPES = ["application/json", "text/plain", "application/x-www-form-urlencoded", "application/octet-stream"]


MODELS = "chalicelib.api.models:"  # prefix of a model reference: MODELS + "Hook"

_wired: list[Services] = []  # the services app.py handed over (``use``): every route's call carries them


def use(services: Services) -> None:
    """Hand every route the services app.py built; a test or the local stack hands over a fresh set the same way."""
    _wired[:] = [services]


@functools.cache
def model(ref: str) -> type[BaseModel]:
    """The pydantic model a reference names (``"package.module:Name"``), imported on first use.

    Routes name their models by reference so that pydantic and the models load with the
    first request that needs them, not at the Lambda's cold start.
    """
    module, _, name = ref.partition(":")
    found: type[BaseModel] = getattr(importlib.import_module(module), name)
    return found


@dataclass(frozen=True, eq=False)
class Operation:
    """One declared route: what the OpenAPI document shows of it (each declaration is its own, compared by identity).

    ``body``, ``query`` and the values of ``responses`` (status -> model, None for no body)
    are model references; ``per_definition`` marks the routes behind which each action
    (``create``) or search is its own operation.
    """

    method: str
    path: str
    summary: str
    authenticated: bool
    body: str | None
    query: str | None
    responses: dict[int, str | None]
    errors: tuple[int, ...]
    per_definition: Literal["create", "search"] | None = None


OPERATIONS: list[Operation] = []


@dataclass
class Call:
    """What a view gets: the parsed request, its validated body and query, and on authenticated routes the caller."""

    services: Services
    params: dict[str, str]
    query: dict[str, str]
    headers: dict[str, str]
    raw_body: bytes
    tenant: Tenant | None = None
    api_key: str = field(default="", repr=False)
    input: Any = None
    args: Any = None

    def json(self) -> dict[str, Any]:
        """The body as a JSON object, read strictly (an empty body is an empty object)."""
        return strict_json.loads_object(self.raw_body)

    @property
    def me(self) -> Tenant:
        assert self.tenant is not None, "route is not authenticated"
        return self.tenant


# Every JSON answer: customer data is never kept by a browser or proxy cache, nor read as anything but JSON.
JSON_HEADERS = {"Content-Type": "application/json", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def error_response(error: ConnectorError) -> Response:
    return Response(body=error.body(), status_code=error.status, headers={**JSON_HEADERS, **error.headers})


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body=json.dumps(body), status_code=status, headers={**JSON_HEADERS, **(headers or {})})


def _read(bp: Blueprint) -> Call:
    request = bp.current_request
    raw = request.raw_body or b""
    raw = raw.encode() if isinstance(raw, str) else raw
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"The body is over {MAX_BODY_BYTES // 1024} KB")
    return Call(services=_wired[0], params={}, query=dict(request.query_params or {}), headers=dict(request.headers or {}), raw_body=raw)


def endpoint(
    bp: Blueprint,
    path: str,
    methods: list[str],
    *,
    summary: str = "",
    authenticated: bool = True,
    body: str | None = None,
    query: str | None = None,
    responses: dict[int, str | None] | None = None,
    errors: tuple[int, ...] = (),
    per_definition: Literal["create", "search"] | None = None,
    view_reads_body: bool = False,
) -> Callable[[Callable[[Call], Any]], Callable[..., Response]]:
    """Register ``view(call)`` on ``bp`` and declare it, with its models, for the OpenAPI document.

    ``body`` and ``query`` are validated before the view runs (``call.input``, ``call.args``);
    a view returns a body (200 JSON) or a Response. ``view_reads_body``: the view validates
    the body with the declared model itself, after checks that must come first (a signature).
    Without ``summary`` the document shows the first line of the view's docstring.
    """

    def register(view: Callable[[Call], Any]) -> Callable[..., Response]:
        shown = summary or (view.__doc__ or view.__name__).strip().splitlines()[0]
        for method in methods:
            OPERATIONS.append(
                Operation(method, path, shown, authenticated, body, query, dict(responses or {200: None}), errors, per_definition)
            )

        @functools.wraps(view)
        def handler(**params: str) -> Response:
            request = bp.current_request
            observability.correlate((request.context or {}).get("requestId"))
            try:
                call = _read(bp)
                call.params = params
                if authenticated:
                    call.api_key = auth.key_from_headers(call.headers)
                    call.tenant = auth.authenticate(call.services, call.api_key)
                if (body is not None and not view_reads_body) or query is not None:
                    from chalicelib.contract import input_types

                    if body is not None and not view_reads_body:
                        call.input = input_types.parse(model(body), call.json())
                    if query is not None:
                        call.args = input_types.parse(model(query), call.query)
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
