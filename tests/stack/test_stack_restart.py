"""`make run` twice on one data folder, stopped while a delivery waits for its retry: everything is back and the retry arrives once."""

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

from sandbox import DEMO_KEY_A
from stack.receiver import HookReceiver, Script

REPO = Path(__file__).resolve().parents[2]
START_SECONDS = 60.0
STOP_SECONDS = 30.0
RETRY_AFTER = 10  # the subscriber's Retry-After: the stack is stopped well before the retry is due


@contextmanager
def make_run(env: dict[str, str], log: Path) -> Iterator[Callable[[], str]]:
    """The real ``make run`` (the installed venv), up with its banner within START_SECONDS; stopped with Ctrl-C on exit."""
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


def test_a_restart_mid_retry_keeps_everything_and_sends_the_retry_once(
    tmp_path: Path, command_env: Callable[..., dict[str, str]], stack_ports: dict[str, str]
) -> None:
    env = command_env(**stack_ports, CONNECTOR_DATA_DIR=str(tmp_path / "data"))
    connector = f"http://127.0.0.1:{stack_ports['CONNECTOR_PORT']}"
    receiver = HookReceiver(Script(default=503, headers={"Retry-After": str(RETRY_AFTER)})).start()
    email = "restart@example.com"
    try:
        with make_run(env, tmp_path / "first.log") as output, httpx.Client(base_url=connector, headers={"X-API-Key": DEMO_KEY_A}) as api:
            assert str(tmp_path / "data") in output()  # the banner names the data folder
            hook = api.post("/v1/hooks", json={"event": "stamp_added", "target_url": receiver.url}).json()
            added = api.post("/v1/actions/add-stamp", json={"email": email, "issue_card_if_missing": True}, timeout=30)
            assert added.status_code == 200, added.text
            assert receiver.wait_for(1, timeout=30), f"no first attempt\n{output()}"
            waiting = api.get(f"/v1/hooks/{hook['id']}/deliveries").json()
            assert [d["status"] for d in waiting] == ["pending"] and waiting[0]["next_attempt_at"], waiting
            polled_before = api.get("/v1/triggers/stamp_added", params={"limit": 5}).json()
        assert receiver.count() == 1, "the retry came before the stop; the test no longer stops mid-retry"
        event_id = waiting[0]["event_id"]

        receiver.script.default, receiver.script.headers = 200, {}  # the subscriber is fixed while the stack is down
        with make_run(env, tmp_path / "second.log") as output, httpx.Client(base_url=connector, headers={"X-API-Key": DEMO_KEY_A}) as api:
            assert "state loaded from there" in output()
            assert [h["id"] for h in api.get("/v1/hooks").json()] == [hook["id"]]
            assert api.get("/v1/triggers/stamp_added", params={"limit": 5}).json() == polled_before
            found = api.get("/v1/searches/customer", params={"email": email}).json()
            assert [c["email"] for c in found] == [email], found  # the sandbox's customer and card are back

            def delivered() -> bool:
                rows = api.get(f"/v1/hooks/{hook['id']}/deliveries").json()
                return bool(rows) and rows[0]["status"] == "delivered"

            deadline = time.monotonic() + RETRY_AFTER + 30
            while not delivered() and time.monotonic() < deadline:
                time.sleep(0.5)
            assert delivered(), output()
            final = api.get(f"/v1/hooks/{hook['id']}/deliveries/{event_id}").json()
            secret_check = receiver.received[-1].verify(hook["secret"])
    finally:
        receiver.stop()
    assert final["attempts"] == 2 and [a["status_code"] for a in final["history"]] == [503, 200], final
    assert [d.json()["id"] for d in receiver.received] == [event_id, event_id]  # one failed attempt, one retry: never twice
    assert secret_check["id"] == event_id  # the subscription's signing secret survived too
