"""Helpers for running the stack's commands as a user would: a subprocess from the repository, a clean environment."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PASSED_ON = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")


def _free_ports(count: int) -> list[int]:
    """Distinct free ports: all bound at once, so the system cannot hand out one twice."""
    with ExitStack() as held:
        probes = [held.enter_context(socket.socket()) for _ in range(count)]
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in probes]


@pytest.fixture
def command_env(tmp_path: Path) -> Callable[..., dict[str, str]]:
    """An environment without what other tests put in os.environ (moto's endpoint, table names, URLs), and with a data
    folder of the test's own: ``make run`` keeps its state across restarts, so a shared ``.stack/data`` would carry one
    test's subscriptions and registrations into the next."""

    def make(**extra: str) -> dict[str, str]:
        own = {"CONNECTOR_DATA_DIR": str(tmp_path / "stack-data")}
        return {**{k: os.environ[k] for k in PASSED_ON if k in os.environ}, **own, **extra}

    return make


@pytest.fixture
def stack_ports() -> dict[str, str]:
    """Free loopback ports for CONNECTOR_PORT, SANDBOX_PORT and MOTO_PORT."""
    return dict(zip(("CONNECTOR_PORT", "SANDBOX_PORT", "MOTO_PORT"), map(str, _free_ports(3)), strict=True))
