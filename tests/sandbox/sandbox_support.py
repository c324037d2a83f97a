"""What the sandbox's tests share: a client per key, a webhook receiver on 127.0.0.1, and small request helpers."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

import httpx
import pytest

from sandbox import Sandbox

T = TypeVar("T")


def wait_until(condition: Callable[[], T], timeout: float = 5.0) -> T:
    """Polls until `condition` returns something truthy; fails at the deadline instead of sleeping blind."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail("condition not met before the deadline")
        time.sleep(0.01)


class Receiver:
    """A webhook endpoint on 127.0.0.1; paths under /fail-once answer 500 to the first try of each message."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self._failed: set[str] = set()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                message_id = self.headers.get("webhook-id", "")
                with receiver._lock:
                    receiver.requests.append(
                        {
                            "path": self.path,
                            "headers": {k.lower(): v for k, v in self.headers.items()},
                            "body": body,
                        }
                    )
                    fail = self.path.startswith("/fail-once") and message_id not in receiver._failed
                    receiver._failed.add(message_id)
                self.send_response(500 if fail else 204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def received(self, message_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [r for r in self.requests if r["headers"].get("webhook-id") == message_id]

    def events(self) -> list[str]:
        with self._lock:
            return [json.loads(r["body"])["event"] for r in self.requests]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def key_client(sandbox: Sandbox, key: str | None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    assert sandbox.url is not None
    return httpx.Client(base_url=sandbox.url, headers=headers, timeout=5.0)


def issue(client: httpx.Client, email: str, **extra: Any) -> dict[str, Any]:
    response = client.post("/v1/cards", json={"email": email, **extra})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def error_code(response: httpx.Response) -> str:
    return str(response.json()["error"]["code"])


def subscribe(client: httpx.Client, url: str, events: list[str]) -> dict[str, Any]:
    response = client.post("/v1/webhooks", json={"url": url, "events": events})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body
