"""The connector's HTTP API on loopback, served by Chalice's own local server from app.py."""

from __future__ import annotations

import functools
import logging
import re
import threading
import time
from typing import Any

from chalice.local import ChaliceRequestHandler

log = logging.getLogger("stack.http")
LISTEN_BACKLOG = 128
# Seconds a connection may stay silent while a request is due (its line, headers or body) or idle between
# requests; then the server closes it. Without it, a client that stalls mid-body holds a thread forever.
SOCKET_TIMEOUT = 20.0

_INBOUND_TOKEN = re.compile(r"^(/inbound/7stamp/)([^/?]{4})[^/?]*")


def shown_path(raw: str) -> str:
    """The path as logged: no query string (it may hold an e-mail) and no inbound token (it is a credential)."""
    path = raw.split("?", 1)[0]
    return _INBOUND_TOKEN.sub(r"\1\2…", path)


class _RequestHandler(ChaliceRequestHandler):
    """Chalice's handler with one short line per request (``12:00:01 GET /v1/me 200 12ms``) instead of Apache's."""

    _started = 0.0
    # headers and body are two writes: with Nagle on, the body of every answer on a kept-alive connection waited for the
    # client's delayed ACK (about 40 ms on Linux; the sandbox's and the receiver's handlers already said so)
    disable_nagle_algorithm = True
    timeout = SOCKET_TIMEOUT  # http.server sets it on each connection's socket; a silent one is closed after it

    def __getattr__(self, name: str) -> Any:
        """Every method goes to the app, which answers 405 for one a route does not take (http.server would answer 501)."""
        if name.startswith("do_"):
            return self._generic_handle
        raise AttributeError(name)

    def parse_request(self) -> bool:
        self._started = time.monotonic()  # after the request line arrived: idle keep-alive time is not counted
        return bool(super().parse_request())

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        elapsed = (time.monotonic() - self._started) * 1000
        log.info("%s %s %s %.0fms", self.command, shown_path(self.path), getattr(code, "value", code), elapsed)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's signature)
        log.warning(format, *args)


class ConnectorServer:
    """app.py behind Chalice's threaded local server, in a background thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        from chalice.config import Config
        from chalice.local import create_local_server

        import app as connector_app

        config = Config.create(chalice_app=connector_app.app)
        self._server: Any = create_local_server(connector_app.app, config, host, port)
        self._server.server.RequestHandlerClass = functools.partial(_RequestHandler, app_object=connector_app.app, config=config)
        self._server.server.daemon_threads = True
        self._server.server.socket.listen(LISTEN_BACKLOG)  # socketserver's 5 resets connections of a burst (7stamp's webhooks)
        self.host, self.port = self._server.server.server_address[:2]
        # the HTTP server's own loop: Chalice's serve_forever() would print "Serving on" with the port asked for
        self._thread = threading.Thread(target=self._server.server.serve_forever, name="connector-http", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> ConnectorServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server.server_close()
        self._thread.join(timeout=10)
