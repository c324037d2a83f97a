"""`make demo` (python -m stack.demo) with no stack running: it starts its own in-process and every delivery arrives."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_demo_passes_on_a_stack_of_its_own(command_env: Callable[..., dict[str, str]], stack_ports: dict[str, str]) -> None:
    # nothing listens on this CONNECTOR_PORT, so the demo must start a stack itself
    env = command_env(CONNECTOR_PORT=stack_ports["CONNECTOR_PORT"], SANDBOX_PORT=stack_ports["SANDBOX_PORT"])
    done = subprocess.run([sys.executable, "-m", "stack.demo"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "starting one in this process" in done.stdout
    for event in ("stamp_added", "goal_reached", "birthday_reached"):
        assert f"{event}: " in done.stdout
    assert "Demo passed" in done.stdout


def test_demo_uses_the_stack_make_run_runs_on_the_same_ports(
    tmp_path: Path, command_env: Callable[..., dict[str, str]], stack_ports: dict[str, str]
) -> None:
    from stack_process import make_run

    env = command_env(**stack_ports, CONNECTOR_DATA_DIR=str(tmp_path / "data"))
    with make_run(env, tmp_path / "run.log") as output:
        done = subprocess.run(["make", "-s", "demo"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"Using the stack running at http://127.0.0.1:{stack_ports['CONNECTOR_PORT']} (CONNECTOR_PORT)" in done.stdout
        assert "Demo passed" in done.stdout
        assert "(the card filled up and started again)" in done.stdout  # 10 stamps on a 10-stamp card
        assert "POST /v1/actions/add-stamp 200" in output()  # the running stack served the demo
