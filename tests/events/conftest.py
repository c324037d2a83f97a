from __future__ import annotations

from collections.abc import Iterator

import pytest

from stack.receiver import HookReceiver


@pytest.fixture
def clock(stack):
    """The clock of the services the stack runs on (``MovableClock``: time moves for every part at once)."""
    return stack.services.clock


@pytest.fixture
def receiver() -> Iterator[HookReceiver]:
    r = HookReceiver().start()
    yield r
    r.stop()
