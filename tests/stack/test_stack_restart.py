"""`make run` twice on one data folder, stopped while a delivery waits for its retry: everything is back and the retry arrives once."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx
from stack_process import make_run

from sandbox import DEMO_KEY_A, DEMO_LOCATION_A
from stack.receiver import HookReceiver, Script
from stack.saved_state import SNAPSHOT_SECONDS, STATE_FILE

RETRY_AFTER = 10  # the subscriber's Retry-After: the stack is stopped well before the retry is due


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
            retried = [d.json()["id"] for d in receiver.received]

            # a new event about a customer never seen before is enriched: the location's stored API key still decrypts
            sandbox = f"http://127.0.0.1:{stack_ports['SANDBOX_PORT']}/_sandbox/emit"
            httpx.post(sandbox, json={"location_id": DEMO_LOCATION_A, "event": "stamp_added", "customer_id": "c_demo_a"}).raise_for_status()
            newest = receiver.wait_for(3, timeout=30)[-1].json()
    finally:
        receiver.stop()
    assert final["attempts"] == 2 and [a["status_code"] for a in final["history"]] == [503, 200], final
    assert retried == [event_id, event_id]  # one failed attempt, one retry: never twice
    assert newest["enriched"] is True and newest["customer"]["email"] == "ada@demo.example", newest
    assert secret_check["id"] == event_id  # the subscription's signing secret survived too


def test_a_crash_keeps_what_the_last_snapshot_held(
    tmp_path: Path, command_env: Callable[..., dict[str, str]], stack_ports: dict[str, str]
) -> None:
    env = command_env(**stack_ports, CONNECTOR_DATA_DIR=str(tmp_path / "data"))
    connector = f"http://127.0.0.1:{stack_ports['CONNECTOR_PORT']}"
    state = tmp_path / "data" / STATE_FILE
    with make_run(env, tmp_path / "first.log", crash=True), httpx.Client(base_url=connector, headers={"X-API-Key": DEMO_KEY_A}) as api:
        hook = api.post("/v1/hooks", json={"event": "any", "target_url": "http://127.0.0.1:65535/hook"}).json()
        deadline = time.monotonic() + 4 * SNAPSHOT_SECONDS
        while not (state.exists() and hook["id"] in state.read_text()) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert hook["id"] in state.read_text(), "no snapshot within four snapshot periods"
    with make_run(env, tmp_path / "second.log") as output, httpx.Client(base_url=connector, headers={"X-API-Key": DEMO_KEY_A}) as api:
        assert "state loaded from there" in output()
        assert [h["id"] for h in api.get("/v1/hooks").json()] == [hook["id"]]
