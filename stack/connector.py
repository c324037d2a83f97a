"""The connector's HTTP API on loopback, served by Chalice's own local server from app.py."""

from __future__ import annotations

import threading
from typing import Any


class ConnectorServer:
    """app.py behind Chalice's threaded local server, in a background thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        from chalice.config import Config
        from chalice.local import create_local_server

        import app as connector_app

        self._server: Any = create_local_server(connector_app.app, Config.create(chalice_app=connector_app.app), host, port)
        self._server.server.daemon_threads = True
        self.host, self.port = self._server.server.server_address[:2]
        self._thread = threading.Thread(target=self._server.serve_forever, name="connector-http", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> ConnectorServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server.server_close()
        self._thread.join(timeout=10)
