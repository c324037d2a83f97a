"""What a client must cope with besides the data: 429 with Retry-After, and injected faults (an error status or a hang)."""

from __future__ import annotations

import httpx
import pytest
from sandbox_support import error_code, key_client

from sandbox import DEMO_KEY_A, DEMO_KEY_B, Sandbox


def test_rate_limit_is_429_with_retry_after() -> None:
    limited = Sandbox(rate_limit_per_second=0.01)  # a burst of one, then one request per 100 s: no race with the clock
    limited.start()
    try:
        with key_client(limited, DEMO_KEY_A) as a, key_client(limited, DEMO_KEY_B) as b:
            responses = [a.get("/v1/me") for _ in range(3)]
            assert [r.status_code for r in responses] == [200, 429, 429]
            assert error_code(responses[1]) == "rate_limited"
            assert 90 <= int(responses[1].headers["Retry-After"]) <= 100
            assert b.get("/v1/me").status_code == 200
    finally:
        limited.stop()


def test_fault_answers_500_then_normal(a: httpx.Client, control: httpx.Client) -> None:
    fault = {"path_prefix": "/v1/cards", "method": "POST", "status": 500, "retry_after": 3, "times": 2}
    assert control.post("/_sandbox/faults", json=fault).status_code == 201
    assert a.get("/v1/cards/card_demo_a").status_code == 200
    for _ in range(2):
        failed = a.post("/v1/cards", json={"email": "fault@example.com"})
        assert failed.status_code == 500 and error_code(failed) == "internal"
        assert failed.headers["Retry-After"] == "3"
    assert a.post("/v1/cards", json={"email": "fault@example.com"}).status_code == 201
    control.post("/_sandbox/faults", json={"path_prefix": "/v1/me", "status": 503, "times": 5})
    assert control.delete("/_sandbox/faults").json() == {"cleared": 1}
    assert a.get("/v1/me").status_code == 200


def test_fault_hangs_then_answers_normally(sb: Sandbox, a: httpx.Client, control: httpx.Client) -> None:
    control.post("/_sandbox/faults", json={"path_prefix": "/v1/me", "hang_seconds": 30, "times": 1})
    with pytest.raises(httpx.ReadTimeout):
        a.get("/v1/me", timeout=0.3)
    assert a.get("/v1/me").status_code == 200
