"""A Lambda function URL in front of one of the app's REST routes, without a second implementation of it.

A function URL has no per-request price (API Gateway's REST API has). Its event (payload
format 2.0) is turned into the API Gateway proxy event Chalice routes, the Chalice app
itself answers it (the route's ``endpoint`` wrapper: body limit, checks, error bodies),
and the answer goes back in the function URL's shape. Only what cannot reach the route
is answered here, with the connector's own errors: another path (404), another method
(405), a body that is not base64 when the event says it is (400).
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any
from urllib.parse import unquote

from chalice import Chalice  # type: ignore[attr-defined]

from chalicelib.api.http import error_response
from chalicelib.errors import BadRequest, ConnectorError, MethodNotAllowed, NotFound


def _pattern(route: str) -> re.Pattern[str]:
    """``/inbound/7stamp/{token}`` -> a regex naming each path parameter."""
    parts = re.split(r"\{(\w+)\}", route)
    return re.compile("^" + "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>[^/]+)" for i, p in enumerate(parts)) + "/?$")


def rest_event(event: dict[str, Any], route: str, methods: list[str]) -> dict[str, Any]:
    """The API Gateway proxy event Chalice expects for ``route``; a ConnectorError when the request is not for it."""
    path = str(event.get("rawPath") or "")
    match = _pattern(route).match(path)
    if match is None:
        raise NotFound(f"Nothing here: this address only takes {route}")
    method = str((event.get("requestContext") or {}).get("http", {}).get("method", "")).upper()
    if method not in methods:
        raise MethodNotAllowed(f"{route} takes {', '.join(methods)} only")
    body = event.get("body")
    if event.get("isBase64Encoded") and body:
        try:
            base64.b64decode(str(body), validate=True)
        except binascii.Error:
            raise BadRequest("The body is not valid base64") from None
    query = {str(k): str(v) for k, v in (event.get("queryStringParameters") or {}).items()}
    return {
        "resource": route,
        "path": path,
        "httpMethod": method,
        "headers": {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()},
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} or None,
        "pathParameters": {name: unquote(value) for name, value in match.groupdict().items()},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": route,
            "httpMethod": method,
            "path": path,
            "requestId": (event.get("requestContext") or {}).get("requestId"),
        },
        "body": body,
        "isBase64Encoded": bool(event.get("isBase64Encoded")),
    }


def serve(app: Chalice, route: str, event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Answer one function-URL request with the app's ``route``."""
    try:
        answer = app(rest_event(event, route, list(app.routes[route])), context)
    except ConnectorError as error:
        answer = error_response(error).to_dict()
    shaped = {"statusCode": answer["statusCode"], "headers": answer.get("headers") or {}, "body": answer.get("body") or ""}
    if answer.get("isBase64Encoded"):
        shaped["isBase64Encoded"] = True
    return shaped
