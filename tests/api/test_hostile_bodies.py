"""The hostile bodies of issue 23, at the body limit, sent to the API with a valid key: each a 400, none a slow answer."""

from __future__ import annotations

import pytest

from benchmarks.body_check import hostile_bodies
from sandbox import DEMO_KEY_A


@pytest.mark.timeout(60)  # a bound, not a timing assert: on the old check one such body ran past the function's 30 s
def test_hostile_bodies_at_the_limit_are_refused_over_http(stack):
    with stack.client(DEMO_KEY_A) as c:
        for name, raw in hostile_bodies().items():
            answer = c.post("/v1/hooks", content=raw, headers={"Content-Type": "application/json"})
            assert answer.status_code == 400, (name, answer.text[:200])
            assert answer.json()["error"]["code"] == "bad_request", name
