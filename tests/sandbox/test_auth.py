"""API keys, /v1/me and the answers to requests no route can take."""

from __future__ import annotations

import httpx
import pytest
from sandbox_support import error_code

from sandbox import DEMO_KEY_A, DEMO_KEY_REVOKED, DEMO_LOCATION_A, Sandbox


def test_me_describes_the_key(a: httpx.Client) -> None:
    assert a.get("/v1/me").json() == {
        "key_prefix": "7loc_sc_demo…",
        "staff_login": "barista@demo.example",
        "business_id": "b_demo",
        "business_name": "Demo Coffee Group",
        "location_id": DEMO_LOCATION_A,
        "location_name": "Demo Coffee - Downtown",
    }


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer",
        "Bearer nope",
        "Bearer 7loc_sc_short",
        "Basic " + DEMO_KEY_A,
        "Bearer 7loc_sc_unknown_key_0123456789",
        "Bearer " + DEMO_KEY_REVOKED,
    ],
)
def test_bad_keys_are_401(sb: Sandbox, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = httpx.get(f"{sb.url}/v1/me", headers=headers)
    assert response.status_code == 401
    assert set(response.json()["error"]) == {"code", "message"}
    assert error_code(response) == "unauthorized"


def test_body_that_is_not_a_json_object_is_400(a: httpx.Client) -> None:
    assert error_code(a.post("/v1/cards", content=b"[1, 2]")) == "bad_request"
    assert a.post("/v1/cards", content=b"{nope").status_code == 400


def test_unknown_route_is_404(a: httpx.Client) -> None:
    assert error_code(a.get("/v1/nothing-here")) == "not_found"
