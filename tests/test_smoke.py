from __future__ import annotations

from sandbox import DEMO_KEY_A, DEMO_LOCATION_A


def test_me(stack):
    with stack.client(DEMO_KEY_A) as c:
        r = c.get("/v1/me")
    assert r.status_code == 200, r.text
    assert r.json()["location_id"] == DEMO_LOCATION_A
