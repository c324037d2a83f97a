"""7stamp's webhook deliveries for one location (no API key: the token and the signature authenticate).

The same view answers two doors: the REST route behind API Gateway, and the inbound
function's Lambda function URL (payload format 2.0), which has no per-request price.
``from_function_url`` only adapts the function URL's event to a ``Call`` and the answer
back; checks, errors and storing are the route's.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any
from urllib.parse import unquote

from chalice import Blueprint  # type: ignore[attr-defined]

from chalicelib import inbound
from chalicelib.api.http import Call, endpoint, error_response, handle
from chalicelib.errors import BadRequest, ConnectorError, MethodNotAllowed, NotFound

bp = Blueprint(__name__)

ROUTE = "/inbound/7stamp/{token}"
_FUNCTION_URL_PATH = re.compile(r"^/inbound/7stamp/([^/]+)/?$")


def store_event(call: Call) -> Any:
    event_id, new = inbound.receive(call.params["token"], call.raw_body, call.headers)
    return {"id": event_id, "duplicate": not new}


receive = endpoint(bp, ROUTE, ["POST"], authenticated=False)(store_event)


def _call_from(event: dict[str, Any]) -> Call:
    """The function URL's request as the route's ``Call``; 404, 405 or 400 when it cannot be one."""
    match = _FUNCTION_URL_PATH.match(str(event.get("rawPath", "")))
    if match is None:
        raise NotFound("Unknown inbound address: 7stamp's events go to /inbound/7stamp/{token}")
    if str(event.get("requestContext", {}).get("http", {}).get("method", "")).upper() != "POST":
        raise MethodNotAllowed("Only POST is accepted here")
    body = str(event.get("body") or "")
    try:
        raw = base64.b64decode(body, validate=True) if event.get("isBase64Encoded") else body.encode()
    except binascii.Error:
        raise BadRequest("The body is not valid base64") from None
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    query = {str(k): str(v) for k, v in (event.get("queryStringParameters") or {}).items()}
    return Call(params={"token": unquote(match.group(1))}, query=query, headers=headers, raw_body=raw)


def from_function_url(event: dict[str, Any]) -> dict[str, Any]:
    """Answer one function-URL request (payload format 2.0) with the REST route's view and errors."""
    try:
        call = _call_from(event)
    except ConnectorError as error:
        answer = error_response(error)
    else:
        answer = handle(store_event, "POST", ROUTE, call, authenticated=False)
    shaped = answer.to_dict()
    return {"statusCode": shaped["statusCode"], "headers": shaped["headers"], "body": shaped["body"]}
