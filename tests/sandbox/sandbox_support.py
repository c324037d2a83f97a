"""What the sandbox's tests share: a client per key, the answers of their webhook receiver, and small request helpers."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
import pytest

from sandbox import Sandbox
from stack.receiver import HookReceiver, ReceivedDelivery

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


def fail_once() -> Callable[[ReceivedDelivery], int]:
    """A receiver's answer: 500 to the first try of each message under /fail-once, 204 to everything else."""
    failed: set[str] = set()
    lock = threading.Lock()

    def answer(delivery: ReceivedDelivery) -> int:
        message_id = delivery.headers.get("webhook-id", "")
        with lock:
            first = message_id not in failed
            failed.add(message_id)
        return 500 if first and delivery.path.startswith("/fail-once") else 204

    return answer


def tries(receiver: HookReceiver, message_id: str) -> list[ReceivedDelivery]:
    """Every attempt at one message, oldest first."""
    return [d for d in receiver.received if d.headers.get("webhook-id") == message_id]


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
