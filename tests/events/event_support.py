"""Helpers the event scenario suites share: receivers, subscribing, a connected location and signed 7stamp webhooks."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from chalicelib.security import signing
from sandbox import DEMO_KEY_A, DEMO_LOCATION_A
from stack.receiver import HookReceiver, Script


@contextmanager
def receiving(**script: object) -> Iterator[HookReceiver]:
    """A receiver answering as told (see Script), stopped afterwards."""
    r = HookReceiver(Script(**script)).start()  # type: ignore[arg-type]
    try:
        yield r
    finally:
        r.stop()


def subscribe_and_stamp(stack, client, url: str) -> dict:
    """Subscribe ``url`` to stamp_added, add a stamp to Ada's card, and let the first attempt happen."""
    hook = subscribe(client, "stamp_added", url)
    client.post("/v1/actions/add-stamp", json={"card_id": "card_demo_a"})
    stack.settle()
    return hook


def subscribe(client, event: str, url: str, **filters: object) -> dict:
    answer = client.post("/v1/hooks", json={"event": event, "target_url": url, **({"filters": filters} if filters else {})})
    assert answer.status_code == 201, answer.text
    return answer.json()


def connected(stack) -> object:
    with stack.client(DEMO_KEY_A) as c:
        c.get("/v1/me")
    return stack.services.locations.get(DEMO_LOCATION_A)


def signed_post(stack, connection, body: str, message_id: str, timestamp: int | None = None, secret: str | None = None) -> httpx.Response:
    headers = signing.headers(secret or connection.secret, message_id, timestamp or int(time.time()), body)
    return httpx.post(f"{stack.connector}/inbound/7stamp/{connection.token}", content=body, headers=headers)


def event_body(location_id: str = DEMO_LOCATION_A, event: str = "card_opened") -> str:
    return json.dumps(
        {
            "event": event,
            "timestamp": "2026-11-22T10:00:00Z",
            "business_id": "b_demo",
            "location_id": location_id,
            "customer": {"id": "c_demo_a", "wallet_pass_id": "wp_demo_a", "language": "en"},
            "card": {"id": "card_demo_a", "goal_index": 0},
        }
    )


def endpoints_of(stack, location_id: str) -> list[dict]:
    """The location's webhook registrations at 7stamp (the sandbox's state)."""
    state = stack.sandbox.state
    return [w for w in state.webhook_endpoints.values() if state.owner[w["id"]] == location_id]
