"""Fixtures of the sandbox's tests: one running sandbox per module, reset to its seed before each test."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sandbox_support import fail_once, key_client

from sandbox import DEMO_KEY_A, DEMO_KEY_B, Sandbox
from stack.receiver import HookReceiver


@pytest.fixture(scope="module")
def running() -> Iterator[Sandbox]:
    sandbox = Sandbox(rate_limit_per_second=None, webhook_retry_delays=(0.05, 0.05))
    sandbox.start(host="127.0.0.1", port=0)
    yield sandbox
    sandbox.stop()


@pytest.fixture
def sb(running: Sandbox) -> Sandbox:
    running.reset()
    return running


@pytest.fixture
def a(sb: Sandbox) -> Iterator[httpx.Client]:
    with key_client(sb, DEMO_KEY_A) as client:
        yield client


@pytest.fixture
def b(sb: Sandbox) -> Iterator[httpx.Client]:
    with key_client(sb, DEMO_KEY_B) as client:
        yield client


@pytest.fixture
def control(sb: Sandbox) -> Iterator[httpx.Client]:
    with key_client(sb, None) as client:
        yield client


@pytest.fixture
def receiver() -> Iterator[HookReceiver]:
    server = HookReceiver(answer=fail_once()).start()
    yield server
    server.stop()
