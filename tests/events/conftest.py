from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from stack.receiver import HookReceiver, Script


@pytest.fixture
def clock(stack):
    """The clock of the services the stack runs on (``MovableClock``: time moves for every part at once)."""
    return stack.services.clock


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
