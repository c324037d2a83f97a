"""`python -m stack` (what `make run` runs) as a user runs it: it comes up, a whole loop works over HTTP, Ctrl-C ends it cleanly."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from sandbox import DEMO_KEY_A, DEMO_LOCATION_A
from stack.receiver import HookReceiver

REPO = Path(__file__).resolve().parents[2]
START_SECONDS = 60.0
STOP_SECONDS = 20.0


def _session_members(session_id: int) -> list[int]:
    """Processes of a session (the stack was started as a session leader, so everything it spawned is in it)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        if int(fields[3]) == session_id and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def _children(pid: int) -> list[int]:
    done = subprocess.run(["ps", "--ppid", str(pid), "-o", "pid="], capture_output=True, text=True, check=False)
    return [int(line) for line in done.stdout.split()]


def _wait_healthy(proc: subprocess.Popen[bytes], url: str, output: Callable[[], str]) -> None:
    deadline = time.monotonic() + START_SECONDS
    for _ in range(int(START_SECONDS / 0.1)):
        if proc.poll() is not None:
            pytest.fail(f"the stack exited with {proc.returncode} before answering:\n{output()}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            break
        time.sleep(0.1)
    pytest.fail(f"no answer from {url}/health within {START_SECONDS:.0f} s:\n{output()}")


@pytest.fixture
def running_stack(
    tmp_path: Path, command_env: Callable[..., dict[str, str]], stack_ports: dict[str, str]
) -> Iterator[tuple[subprocess.Popen[bytes], dict[str, str], Callable[[], str]]]:
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "stack"], cwd=REPO, env=command_env(**stack_ports), stdout=stdout, stderr=stderr, start_new_session=True
        )

    def output() -> str:
        return f"--- stdout\n{out.read_text()}\n--- stderr\n{err.read_text()}"

    try:
        yield proc, stack_ports, output
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def test_run_serves_a_whole_loop_and_stops_cleanly_on_ctrl_c(
    running_stack: tuple[subprocess.Popen[bytes], dict[str, str], Callable[[], str]],
) -> None:
    proc, ports, output = running_stack
    connector = f"http://127.0.0.1:{ports['CONNECTOR_PORT']}"
    sandbox = f"http://127.0.0.1:{ports['SANDBOX_PORT']}"
    _wait_healthy(proc, connector, output)

    receiver = HookReceiver().start()
    try:
        with httpx.Client(base_url=connector, headers={"X-API-Key": DEMO_KEY_A}, timeout=30) as api:
            hook = api.post("/v1/hooks", json={"event": "stamp_added", "target_url": receiver.url})
            assert hook.status_code == 201, hook.text
            emitted = httpx.post(f"{sandbox}/_sandbox/emit", json={"location_id": DEMO_LOCATION_A, "event": "stamp_added"}, timeout=10)
            assert emitted.status_code == 200, emitted.text
            received = receiver.wait_for(1, timeout=30)
            assert received, f"no delivery reached the subscriber\n{output()}"
            delivered = received[0].verify(hook.json()["secret"])
            polled = api.get("/v1/triggers/stamp_added", params={"limit": 5})
        assert polled.status_code == 200, polled.text
        assert delivered["event"] == "stamp_added" and delivered["enriched"] is True
        assert polled.json()[0]["id"] == delivered["id"]
    finally:
        receiver.stop()

    printed = output()
    assert connector in printed and DEMO_KEY_A in printed and "/v1/triggers/stamp_added" in printed
    assert re.search(r"^\d\d:\d\d:\d\d POST /v1/hooks 201 \d+ms$", printed, re.M), printed
    assert " - - [" not in printed, "Apache-style request lines (moto's or Chalice's) are not silenced"

    assert _children(proc.pid) == []  # everything runs on threads of the one process
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=STOP_SECONDS) == 0, output()
    assert _session_members(proc.pid) == []
    assert "Stopped." in output()


def test_run_refuses_a_port_in_use(command_env: Callable[..., dict[str, str]], stack_ports: dict[str, str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "stack"],
            cwd=REPO,
            env=command_env(**{**stack_ports, "CONNECTOR_PORT": str(port)}),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"CONNECTOR_PORT {port} is in use; set CONNECTOR_PORT to a free port" in done.stderr
