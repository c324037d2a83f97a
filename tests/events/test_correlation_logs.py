"""JSON logs and EMF metrics as CloudWatch would get them: one event's id ties every line it produced together.

The lines are captured with the connector's own JSON formatter from the real stack: 7stamp's
signed webhook arrives at the inbound route, fan-out runs from the stream, deliveries
from the queue (one of them retried). No line may hold the API key or a signing secret.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from event_support import receiving, subscribe

from chalicelib.observability import JsonFormatter
from chalicelib.pipeline.delivery import RETRY_DELAYS
from chalicelib.store.deliveries import QUEUE_MAX_DELAY, SAFETY_MARGIN
from sandbox import DEMO_KEY_A, DEMO_LOCATION_A


class Lines(logging.Handler):
    """Every record as the line Lambda would write for it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # EMF documents go to stdout as they are (observability.setup), the rest through the JSON formatter
        self.lines.append(record.getMessage() if record.name == "connector.metrics" else self.format(record))

    def parsed(self) -> list[dict]:
        return [json.loads(line) for line in self.lines]


@pytest.fixture
def lines() -> Iterator[Lines]:
    handler = Lines()
    loggers = [logging.getLogger(), logging.getLogger("connector.metrics")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield handler
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


def test_one_events_id_follows_it_through_inbound_fan_out_and_each_delivery(stack, clock, lines):
    with receiving() as zap, receiving(statuses=[503]) as crm, stack.client(DEMO_KEY_A) as c:
        zap_hook = subscribe(c, "stamp_added", zap.url)
        crm_hook = subscribe(c, "any", crm.url)
        stack.emit(DEMO_LOCATION_A, "stamp_added")
        stack.settle()
        clock.advance(RETRY_DELAYS[0] * 1.3 + QUEUE_MAX_DELAY + SAFETY_MARGIN)  # past the retry's safety net: the sweeper queues it
        stack.worker.sweep()
        stack.settle()
        assert len(crm.wait_for(2)) == 2
        event_id = zap.wait_for(1)[0].json()["id"]
        secrets = [zap_hook["secret"], crm_hook["secret"]]

    everything = lines.parsed()
    mine = [line for line in everything if line.get("correlation_id") == event_id]
    messages = [line["message"] for line in mine if "_aws" not in line]
    assert "received a stamp_added event" in messages  # inbound
    assert f"event {event_id} (stamp_added) -> 2 subscriptions" in messages  # fan-out
    assert sum(m.startswith(f"delivery attempt to {zap_hook['id']}: 200") for m in messages) == 1
    assert sum(m.startswith(f"delivery attempt to {crm_hook['id']}: 503") for m in messages) == 1
    assert sum(m.startswith(f"delivery attempt to {crm_hook['id']}: 200") for m in messages) == 1  # the retry, minutes later
    # nothing about this event was logged without its id
    assert all(line["correlation_id"] == event_id for line in everything if event_id in line.get("message", ""))

    metrics = {(m["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"], m.get("Outcome") or m.get("Result")) for m in mine if "_aws" in m}
    assert {
        ("EventsReceived", None),
        ("Enrichment", "done"),
        ("Deliveries", "delivered"),
        ("Deliveries", "pending"),
        ("DeliveryLatency", None),
    } <= metrics
    for m in (m for m in mine if "_aws" in m):
        definition = m["_aws"]["CloudWatchMetrics"][0]
        assert all(name in m for dims in definition["Dimensions"] for name in dims)
        assert all(metric["Name"] in m for metric in definition["Metrics"])

    text = "\n".join(lines.lines)
    assert DEMO_KEY_A not in text and "7loc_sc_" not in text.replace("7loc_sc_demo…", "")
    assert not any(secret in text or secret.removeprefix("whsec_") in text for secret in secrets)


def test_api_calls_carry_a_request_id_and_7stamps_429s_are_counted(stack, lines):
    with stack.client(DEMO_KEY_A) as c:
        c.get("/v1/me")
        stack.fault(path_prefix="/v1/cards", status=429, retry_after=30, times=20)
        assert c.post("/v1/actions/add-stamp", json={"card_id": "card_demo_a"}).status_code == 429
    [throttled] = [line for line in lines.parsed() if "_aws" in line and "SevenstampThrottled" in line]
    assert throttled["correlation_id"].startswith("req_")


def test_the_formatter_cuts_keys_and_secrets_out_of_any_line():
    record = logging.makeLogRecord({"msg": "key %s secret %s", "args": (DEMO_KEY_A, "whsec_c2VjcmV0c2VjcmV0c2VjcmV0"), "levelname": "INFO"})
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "key 7loc_sc_demo… secret whsec_…"
