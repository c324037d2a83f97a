"""Connecting a location (once, even under concurrent first calls) and enrichment when 7stamp is down."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from event_support import endpoints_of, subscribe

from chalicelib.pipeline import deferred
from sandbox import DEMO_KEY_A, DEMO_LOCATION_A


def test_concurrent_first_calls_register_the_location_once(stack):
    def first_call(_: int) -> int:
        with stack.client(DEMO_KEY_A) as c:
            return c.get("/v1/me").status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(first_call, range(8))) == {200}
    endpoints = endpoints_of(stack, DEMO_LOCATION_A)
    assert len(endpoints) == 1
    assert endpoints[0]["events"] == ["*"]
    connection = stack.services.locations.get(DEMO_LOCATION_A)
    assert connection is not None and connection.secret and connection.token in endpoints[0]["url"]
    assert connection.key_blob and DEMO_KEY_A.encode() not in connection.key_blob  # stored encrypted


def wait_for_delivery(stack, receiver, count: int) -> list:
    """Run the workers until ``count`` deliveries arrived (bounded; the enrich job's SQS delay is real time)."""
    for _ in range(30):
        stack.worker.pump_stream()
        stack.worker.pump_queue(wait=1)
        if len(receiver.received) >= count:
            break
    stack.settle()
    return receiver.wait_for(count, 5)


def test_an_event_7stamp_cannot_enrich_goes_out_unenriched_only_after_the_bounded_wait(stack, receiver, clock, monkeypatch):
    monkeypatch.setattr(deferred, "RETRY_EVERY", 1)
    with stack.client(DEMO_KEY_A) as c:
        subscribe(c, "card_opened", receiver.url)
        stack.fault(path_prefix="/v1/customers", method="GET", status=500, times=1000)
        stack.emit(DEMO_LOCATION_A, "card_opened", customer_id="c_demo_a")
        stack.settle()
        assert receiver.received == []
        assert c.get("/v1/triggers/card_opened").json() == []  # awaiting enrichment: pollers do not see it either
        clock.advance(deferred.ENRICH_BOUND)
        [got] = wait_for_delivery(stack, receiver, 1)
        record = json.loads(got.body)
        assert record["enriched"] is False and record["customer"]["id"] == "c_demo_a"
        assert c.get("/v1/triggers/card_opened").json() == [record]


def test_an_event_7stamp_throttled_at_first_arrives_enriched_later(stack, receiver, monkeypatch):
    monkeypatch.setattr(deferred, "RETRY_EVERY", 1)
    with stack.client(DEMO_KEY_A) as c:
        subscribe(c, "card_opened", receiver.url)
        stack.fault(path_prefix="/v1/customers", method="GET", status=429, times=1)
        stack.emit(DEMO_LOCATION_A, "card_opened", customer_id="c_demo_a")
        [got] = wait_for_delivery(stack, receiver, 1)
        record = json.loads(got.body)
        assert record["enriched"] is True and record["customer"]["email"]
        assert c.get("/v1/triggers/card_opened").json() == [record]
