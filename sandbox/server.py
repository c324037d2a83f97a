"""HTTP for the sandbox: stdlib ThreadingHTTPServer, JSON in and out, the request pipeline in one place.

Per request: injected fault, route, API key, rate limit, body, idempotency, handler.
"""

from __future__ import annotations

import json
import sys
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from .errors import ApiError
from .routes import Request, Response, match

if TYPE_CHECKING:
    from .app import Sandbox


class SandboxServer(ThreadingHTTPServer):
    """One daemon thread per connection, so a hanging request never blocks the others or shutdown."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], sandbox: Sandbox, *, log_requests: bool) -> None:
        super().__init__(address, Handler)
        self.sandbox = sandbox
        self.log_requests = log_requests


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes; Nagle would hold the second ~40 ms
    server: SandboxServer

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_DELETE = do_PUT = do_PATCH = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.log_requests:
            super().log_message(format, *args)

    def _handle(self) -> None:
        url = urlsplit(self.path)
        headers: dict[str, str] = {}
        try:
            status, payload = self._respond(url.path, url.query, self._read_body())
        except ApiError as exc:
            status, payload, headers = exc.status, exc.body(), exc.headers()
        except Exception:  # a sandbox bug: answer like the real service would, keep the trace in the log
            traceback.print_exc(file=sys.stderr)
            status, payload = 500, ApiError.for_status(500, "The sandbox failed; see its log.").body()
        self._send(status, payload, headers)

    def _read_body(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True
            raise ApiError.bad_request("Content-Length is not a number.") from None
        return self.rfile.read(length) if length > 0 else b""

    def _respond(self, path: str, query: str, raw: bytes) -> Response:
        sandbox = self.server.sandbox
        state = sandbox.state
        if not path.startswith("/_sandbox/"):
            fault = sandbox.faults.take(self.command, path)
            if fault is not None:
                if fault.hang_seconds:
                    sandbox.stopping.wait(fault.hang_seconds)
                if fault.status is not None:
                    raise ApiError.for_status(fault.status, "Injected fault.", retry_after=fault.retry_after)
        route, params = match(self.command, path)
        key = None
        if route.authenticated:
            key = state.authenticate(self.headers.get("Authorization"))
            sandbox.limiter.take(key["key"])
        body = _parse_body(raw) if self.command == "POST" else {}
        request = Request(params, {name: values[0] for name, values in parse_qs(query).items()}, body, key)
        idempotency_key = self.headers.get("Idempotency-Key")
        if key is not None and self.command == "POST" and idempotency_key is not None:
            fingerprint = json.dumps([self.command, path, body], sort_keys=True)
            return state.idempotent(
                key["location_id"],
                idempotency_key,
                fingerprint,
                lambda: route.handler(sandbox, request),
            )
        return route.handler(sandbox, request)

    def _send(self, status: int, payload: Any, headers: dict[str, str]) -> None:
        data = b"" if status == 204 else json.dumps(payload, ensure_ascii=False).encode()
        try:
            self.send_response(status)
            if status != 204:
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the caller gave up (e.g. timed out on a hang)
            self.close_connection = True


def _parse_body(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ApiError.bad_request("The body is not valid UTF-8 JSON.") from None
    if not isinstance(body, dict):
        raise ApiError.bad_request("The body must be a JSON object.")
    return body
