"""The real ``make run`` as a user starts it, for the tests that need a whole stack in its own process."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
START_SECONDS = 60.0
STOP_SECONDS = 30.0


@contextmanager
def make_run(env: dict[str, str], log: Path, *, crash: bool = False) -> Iterator[Callable[[], str]]:
    """The real ``make run`` (the installed venv), up with its banner within START_SECONDS; stopped with Ctrl-C on exit.

    ``crash``: killed instead (SIGKILL to the whole group, as a closed terminal or an out-of-memory kill would).
    """
    with log.open("wb") as out:
        proc = subprocess.Popen(["make", "-s", "run"], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def output() -> str:
        return log.read_text()

    url = f"http://127.0.0.1:{env['CONNECTOR_PORT']}/health"
    try:
        deadline = time.monotonic() + START_SECONDS
        while not (_answers(url) and "Ctrl-C stops everything" in output()):  # the banner is printed once all has started
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"make run did not come up:\n{output()}")
            time.sleep(0.2)
        yield output
        if crash:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=STOP_SECONDS)
            return
        os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C: make ends by the signal too, after the stack stopped
        proc.wait(timeout=STOP_SECONDS)
        assert output().rstrip().endswith("Stopped."), output()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
