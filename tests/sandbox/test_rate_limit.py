"""The sandbox enforces the contract's 10 requests per second per key, and counts what it saw and refused."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from sandbox import DEMO_KEY_A, DEMO_KEY_B, Sandbox

BURST = 40
STAFF_A, STAFF_B = "barista@demo.example", "harbour.staff@demo.example"


@pytest.fixture
def limited() -> Iterator[Sandbox]:
    sandbox = Sandbox()  # the contract's default: 10 requests per second per key
    sandbox.start()
    yield sandbox
    sandbox.stop()


def usage_of(sandbox: Sandbox, staff_login: str) -> dict:
    answer = httpx.get(f"{sandbox.url}/_sandbox/rate", timeout=5).json()["data"]
    [row] = [r for r in answer if r["staff_login"] == staff_login]
    return row


def test_ten_requests_per_second_per_key_then_429_and_counted(limited: Sandbox) -> None:
    with httpx.Client(base_url=str(limited.url), headers={"Authorization": f"Bearer {DEMO_KEY_A}"}, timeout=5) as a:
        started = time.monotonic()
        statuses = [a.get("/v1/me").status_code for _ in range(BURST)]
        elapsed = time.monotonic() - started
        refused = a.get("/v1/me")
    served = statuses.count(200)
    # 10 at once (the burst), then 10 a second: whatever the speed of this machine
    assert 10 <= served <= 10 + 10 * elapsed + 1
    assert statuses.count(429) == BURST - served > 0
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1
    usage = usage_of(limited, STAFF_A)
    assert usage["requests"] == BURST + 1
    assert usage["throttled"] == BURST + 1 - served
    assert usage["key_prefix"] == DEMO_KEY_A[:12] + "…" and DEMO_KEY_A not in str(usage)
    assert sum(usage["per_second"].values()) == BURST + 1 and usage["peak_per_second"] >= 10
    # the limit is per key: the other location's key is untouched
    with httpx.Client(base_url=str(limited.url), headers={"Authorization": f"Bearer {DEMO_KEY_B}"}, timeout=5) as b:
        assert b.get("/v1/me").status_code == 200
    assert usage_of(limited, STAFF_B)["throttled"] == 0


def test_the_counts_go_with_a_reset(limited: Sandbox) -> None:
    with httpx.Client(base_url=str(limited.url), headers={"Authorization": f"Bearer {DEMO_KEY_A}"}, timeout=5) as a:
        for _ in range(12):
            a.get("/v1/me")
    assert usage_of(limited, STAFF_A)["requests"] == 12
    httpx.post(f"{limited.url}/_sandbox/reset", timeout=5).raise_for_status()
    assert all(r["requests"] == 0 and r["throttled"] == 0 for r in httpx.get(f"{limited.url}/_sandbox/rate", timeout=5).json()["data"])
