"""Enrich jobs (pipeline/enrich_jobs.py) as fan-out and pollers rely on them: an awaiting event is released once, enriched or not.

Behaviour only (the lead reworks enrichment today). A 7stamp stand-in over httpx's MockTransport
answers the customer or fails; the store, queue and key vault are real (moto).
"""

from __future__ import annotations

import json

import httpx
import pytest
from unit_support import ManualClock, answering, connected

from chalicelib.container import Services
from chalicelib.pipeline import enrich_jobs, jobs
from chalicelib.store.records import StoredEvent

KEY = "7loc_sc_enrich_jobs_unit_key_001"
CUSTOMER = {"id": "cus_1", "email": "zoe@example.com", "phone": None, "name": "Zoë", "birthday": None, "cards": []}


class SevenStamp:
    def __init__(self) -> None:
        self.status = 200

    def __call__(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(self.status, json=CUSTOMER if self.status == 200 else {"error": {"code": "x", "message": "-"}})


@pytest.fixture
def sevenstamp(services: Services) -> SevenStamp:
    return answering(services, SevenStamp())


def awaiting(services: Services, location_id: str = "loc_a") -> StoredEvent:
    record = {"event": "card_opened", "location_id": location_id, "customer": {"id": "cus_1"}, "enriched": False}
    services.events.put_new(location_id, "wh_1", "d1", record, awaiting=True)
    event = services.events.get(location_id, "wh_1")
    assert event is not None and event.awaiting
    return event


def delayed_jobs(services: Services) -> int:
    attributes = services.aws.client("sqs").get_queue_attributes(
        QueueUrl=services.settings.delivery_queue_url, AttributeNames=["ApproximateNumberOfMessagesDelayed", "ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessagesDelayed"]) + int(attributes["ApproximateNumberOfMessages"])


def test_an_event_enriched_now_is_released_enriched_with_its_id(services: Services, sevenstamp: SevenStamp) -> None:
    connected(services, "loc_a", KEY)
    event = awaiting(services)
    enrich_jobs.run(services, jobs.enrichment(event))
    released = services.events.get("loc_a", "wh_1")
    assert released is not None and not released.awaiting
    assert released.record["enriched"] is True and released.record["id"] == event.record["id"]
    assert released.record["customer"]["email"] == CUSTOMER["email"]
    assert delayed_jobs(services) == 0


def test_7stamp_failing_within_the_bound_asks_again_later(services: Services, sevenstamp: SevenStamp) -> None:
    connected(services, "loc_a", KEY)
    sevenstamp.status = 503
    event = awaiting(services)
    enrich_jobs.run(services, jobs.enrichment(event))
    still = services.events.get("loc_a", "wh_1")
    assert still is not None and still.awaiting
    assert delayed_jobs(services) == 1


def test_past_the_bound_the_event_is_released_unenriched(services: Services, sevenstamp: SevenStamp, clock: ManualClock) -> None:
    connected(services, "loc_a", KEY)
    sevenstamp.status = 503
    event = awaiting(services)
    clock.advance(enrich_jobs.ENRICH_BOUND)
    enrich_jobs.run(services, jobs.enrichment(event))
    released = services.events.get("loc_a", "wh_1")
    assert released is not None and not released.awaiting and released.record["enriched"] is False
    assert delayed_jobs(services) == 0


def test_an_event_of_a_location_no_longer_connected_is_released_unenriched(services: Services, sevenstamp: SevenStamp) -> None:
    event = awaiting(services, "loc_gone")
    enrich_jobs.run(services, jobs.enrichment(event))
    released = services.events.get("loc_gone", "wh_1")
    assert released is not None and not released.awaiting and released.record["enriched"] is False


def test_a_repeated_job_changes_nothing(services: Services, sevenstamp: SevenStamp) -> None:
    connected(services, "loc_a", KEY)
    event = awaiting(services)
    job = jobs.enrichment(event)
    enrich_jobs.run(services, job)
    first = services.events.get("loc_a", "wh_1")
    sevenstamp.status = 500
    enrich_jobs.run(services, job)
    assert services.events.get("loc_a", "wh_1") == first
    assert json.loads(first.text)["enriched"] is True  # type: ignore[union-attr]


def test_a_job_for_an_event_that_is_gone_does_nothing(services: Services, sevenstamp: SevenStamp) -> None:
    event = awaiting(services)
    services.aws.client("dynamodb").delete_item(TableName=services.settings.events_table, Key={"pk": {"S": "loc_a"}, "sk": {"S": "wh_1"}})
    enrich_jobs.run(services, jobs.enrichment(event))
    assert services.events.get("loc_a", "wh_1") is None and delayed_jobs(services) == 0
