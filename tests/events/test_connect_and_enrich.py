"""Connecting a location (once, even under concurrent first calls) and enrichment when 7stamp is down."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from conftest import subscribe

from chalicelib import services
from sandbox import DEMO_KEY_A, DEMO_LOCATION_A


def endpoints_of(stack, location_id: str) -> list[dict]:
    state = stack.sandbox.state
    return [w for w in state.webhook_endpoints.values() if state.owner[w["id"]] == location_id]


def test_concurrent_first_calls_register_the_location_once(stack):
    def first_call(_: int) -> int:
        with stack.client(DEMO_KEY_A) as c:
            return c.get("/v1/me").status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(first_call, range(8))) == {200}
    endpoints = endpoints_of(stack, DEMO_LOCATION_A)
    assert len(endpoints) == 1
    assert endpoints[0]["events"] == ["*"]
    connection = services.locations().get(DEMO_LOCATION_A)
    assert connection is not None and connection.secret and connection.token in endpoints[0]["url"]
    assert connection.key_blob and DEMO_KEY_A.encode() not in connection.key_blob  # stored encrypted


def test_an_event_is_stored_and_delivered_unenriched_when_7stamp_is_down(stack, receiver):
    with stack.client(DEMO_KEY_A) as c:
        hook = subscribe(c, "card_opened", receiver.url)
        stack.fault(path_prefix="/v1/cards", method="GET", status=500, times=10)
        stack.fault(path_prefix="/v1/customers", method="GET", status=500, times=10)
        stack.emit(DEMO_LOCATION_A, "card_opened", customer_id="c_demo_a")
        stack.settle()
        [got] = receiver.wait_for(1, 5)
        record = got.verify(hook["secret"])
        assert record["enriched"] is False
        assert record["customer"]["id"] == "c_demo_a" and "email" not in record["customer"]
        assert c.get("/v1/triggers/card_opened").json()[0]["id"] == record["id"]
