from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from stack.receiver import HookReceiver, Script


class Clock:
    """The store's clock, movable: retries hours apart run in a test without waiting for them."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    from chalicelib.store import _dynamo

    c = Clock()
    monkeypatch.setattr(_dynamo, "now", c.now)
    return c


@pytest.fixture
def receiver() -> Iterator[HookReceiver]:
    r = HookReceiver().start()
    yield r
    r.stop()


@contextmanager
def receiving(**script: object) -> Iterator[HookReceiver]:
    """A receiver answering as told (see Script), stopped afterwards."""
    r = HookReceiver(Script(**script)).start()  # type: ignore[arg-type]
    try:
        yield r
    finally:
        r.stop()


def subscribe_and_stamp(stack, client, url: str) -> dict:
    """Subscribe ``url`` to stamp_added, add a stamp to Ada's card, and let the first attempt happen."""
    hook = subscribe(client, "stamp_added", url)
    client.post("/v1/actions/add-stamp", json={"card_id": "card_demo_a"})
    stack.settle()
    return hook


def subscribe(client, event: str, url: str, **filters: object) -> dict:
    answer = client.post("/v1/hooks", json={"event": event, "target_url": url, **({"filters": filters} if filters else {})})
    assert answer.status_code == 201, answer.text
    return answer.json()
