"""The real parts every connector test runs against, all on 127.0.0.1.

moto's server (DynamoDB, streams, SQS, KMS) and the 7stamp sandbox run once per session;
the connector's HTTP API runs from app.py behind Chalice's local server. Before each test
moto is reset and the tables, queue and key are created again from infra/resources.json,
and the sandbox is reset to its seed, so every test starts from nothing.
"""

from __future__ import annotations

import os
import socket
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from chalicelib.clock import Clock

# One TLS context for every HTTP client made here: httpx builds one per client otherwise (~20 ms of CPU reading the CA
# bundle, a few times per test), though every URL the tests call is plain http on 127.0.0.1.
TLS = ssl.create_default_context()

BASE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "CONNECTOR_ALLOW_PRIVATE_TARGETS": "1",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files marked ``long`` first, the rest in their usual order. ``make test`` runs each file whole in one process
    (``--dist loadfile``), so a file of a minute or two started late would end the run alone while the others idle."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    import logging

    from moto.server import ThreadedMotoServer

    from stack import moto_atomic

    moto_atomic.install()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request lines
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    os.environ.update(BASE_ENV, AWS_ENDPOINT_URL=url)
    yield url
    server.stop()


@pytest.fixture(scope="session")
def sandbox(moto_url: str) -> Iterator[object]:
    from sandbox import Sandbox

    sb = Sandbox(rate_limit_per_second=None, webhook_retry_delays=(0.2, 0.5, 1.0))
    sb.url = sb.start(host="127.0.0.1", port=0)  # type: ignore[attr-defined]
    os.environ["SEVENSTAMP_API_URL"] = sb.url  # type: ignore[attr-defined]
    yield sb
    sb.stop()


@pytest.fixture(scope="session")
def connector_server(sandbox: object) -> Iterator[str]:
    from stack.connector import ConnectorServer

    server = ConnectorServer().start()
    os.environ["CONNECTOR_PUBLIC_URL"] = server.url
    yield server.url
    server.stop()


class MovableClock(Clock):
    """The services' clock, movable: retries hours apart run in a test without waiting for them."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@dataclass
class Stack:
    """One test's view of the running parts: ``services`` is the set the connector's routes and workers use."""

    connector: str
    sandbox_url: str
    sandbox: object
    env: dict[str, str]
    worker: object
    services: Any

    def rebuild(self) -> None:
        """Services built again from the environment as the test changed it (same clock); the connector uses them from now on."""
        import app as connector_app
        from chalicelib import container

        self.services = container.from_environment(self.services.clock)
        connector_app.use(self.services)

    def client(self, key: str | None = None) -> httpx.Client:
        headers = {"X-API-Key": key} if key else {}
        return httpx.Client(base_url=self.connector, headers=headers, timeout=30, verify=TLS)

    def emit(self, location_id: str, event: str, **fields: object) -> dict:
        url = f"{self.sandbox_url}/_sandbox/emit"
        answer = httpx.post(url, json={"location_id": location_id, "event": event, **fields}, timeout=10, verify=TLS)
        answer.raise_for_status()
        return answer.json()

    def fault(self, **spec: object) -> None:
        httpx.post(f"{self.sandbox_url}/_sandbox/faults", json=spec, timeout=10, verify=TLS).raise_for_status()

    def clear_faults(self) -> None:
        httpx.delete(f"{self.sandbox_url}/_sandbox/faults", timeout=10, verify=TLS).raise_for_status()

    def settle(self, timeout: float = 15.0) -> None:
        """Let the sandbox's webhooks arrive and the connector's workers run until both are idle (bounded)."""
        deadline = time.monotonic() + timeout
        quiet = 0
        while time.monotonic() < deadline and quiet < 2:
            idle = self.sandbox.wait_webhooks_idle(timeout=max(0.1, deadline - time.monotonic()))  # type: ignore[attr-defined]
            handled = self.worker.drain()  # type: ignore[attr-defined]
            quiet = quiet + 1 if idle and handled == 0 else 0


@pytest.fixture
def stack(moto_url: str, sandbox: object, connector_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    import app as connector_app
    from chalicelib import container
    from stack.provision import provision, stream_arn
    from stack.worker import Worker

    with httpx.Client(timeout=10, verify=TLS) as http:
        http.post(f"{moto_url}/moto-api/reset").raise_for_status()
        http.post(f"{sandbox.url}/_sandbox/reset").raise_for_status()  # type: ignore[attr-defined]
        http.delete(f"{sandbox.url}/_sandbox/faults")  # type: ignore[attr-defined]
    env = provision()
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    services = container.from_environment(MovableClock())
    connector_app.use(services)
    worker = Worker(stream_arn(env["EVENTS_TABLE"]))
    yield Stack(connector_server, sandbox.url, sandbox, env, worker, services)  # type: ignore[attr-defined]
