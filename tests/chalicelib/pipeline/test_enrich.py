"""Enrichment as intake and the enrich jobs rely on it: what is merged, when 7stamp is asked, and when trying later is worth it.

Behaviour only (the lead is reworking the module's inside today): a 7stamp stand-in over
httpx's MockTransport counts its calls; the cache, the pace book and the key vault are real (moto).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
import pytest
from unit_support import answering, connected

from chalicelib.container import Services
from chalicelib.pipeline.customer_details import CUSTOMER_FIELDS
from chalicelib.pipeline.enrich import enrich
from chalicelib.store.records import Connection

KEY = "7loc_sc_enrich_unit_key_0000001"
CUSTOMER = {
    "id": "cus_1",
    "email": "zoe@example.com",
    "phone": "+14155550199",
    "name": "Zoë",
    "birthday": "1990-05-11",
    "not_a_contact_field": "kept out",
    "cards": [{"id": "card_1", "template_id": "tpl_coffee", "stamps": 3, "stamps_required": 10, "goal_index": 0, "status": "active"}],
}


@dataclass
class SevenStamp:
    status: int = 200
    calls: list[str] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request.url.path)
        if self.status != 200:
            return httpx.Response(self.status, json={"error": {"code": "x", "message": "no"}})
        return httpx.Response(200, json=CUSTOMER)


@pytest.fixture
def sevenstamp(services: Services) -> SevenStamp:
    return answering(services, SevenStamp())


@pytest.fixture
def connection(services: Services) -> Connection:
    found = connected(services, "loc_a", KEY)
    assert isinstance(found, Connection)
    return found


def event(**card: object) -> dict:
    payload: dict = {"event": "stamp_added", "location_id": "loc_a", "customer": {"id": "cus_1"}}
    if card:
        payload["card"] = card
    return payload


def test_an_event_without_a_customer_is_left_as_it_is(services: Services, connection: Connection, sevenstamp: SevenStamp) -> None:
    payload = {"event": "campaign_sent", "location_id": "loc_a"}
    result = enrich(services, connection, payload, wait=1.0)
    assert (result.record, result.enriched, result.retry) == (payload, False, False)
    assert sevenstamp.calls == []


def test_the_customers_contact_fields_and_the_cards_details_are_merged(
    services: Services, connection: Connection, sevenstamp: SevenStamp
) -> None:
    result = enrich(services, connection, event(id="card_1", extra="the payload's own"), wait=1.0)
    assert result.enriched and not result.retry
    assert result.record["customer"] == {"id": "cus_1", **{k: CUSTOMER[k] for k in CUSTOMER_FIELDS}}
    card = result.record["card"]
    assert (card["stamps"], card["stamps_required"], card["template_id"], card["extra"]) == (3, 10, "tpl_coffee", "the payload's own")
    assert sevenstamp.calls == ["/v1/customers/cus_1"]


def test_the_payloads_own_card_values_win(services: Services, connection: Connection, sevenstamp: SevenStamp) -> None:
    result = enrich(services, connection, event(id="card_1", stamps=4, stamps_required=10, goal_index=0), wait=1.0)
    assert result.record["card"]["stamps"] == 4


def test_a_customer_seen_recently_costs_no_second_call(services: Services, connection: Connection, sevenstamp: SevenStamp) -> None:
    enrich(services, connection, event(id="card_1"), wait=1.0)
    again = enrich(services, connection, event(id="card_1"), wait=1.0)
    assert again.enriched and len(sevenstamp.calls) == 1


def test_progress_an_event_carries_is_what_the_next_event_gets(services: Services, connection: Connection, sevenstamp: SevenStamp) -> None:
    enrich(services, connection, event(id="card_1"), wait=1.0)
    enrich(services, connection, event(id="card_1", stamps=5, stamps_required=10, goal_index=0), wait=1.0)
    later = enrich(services, connection, {**event(id="card_1"), "event": "card_opened"}, wait=0)
    assert later.record["card"]["stamps"] == 5 and len(sevenstamp.calls) == 1


def test_with_no_time_to_wait_only_the_cache_is_read(services: Services, connection: Connection, sevenstamp: SevenStamp) -> None:
    result = enrich(services, connection, event(id="card_1"), wait=0)
    assert not result.enriched and result.retry  # worth trying later, with time to ask 7stamp
    assert result.record == event(id="card_1") and sevenstamp.calls == []


def test_a_customer_7stamp_does_not_know_is_not_tried_again(services: Services, connection: Connection, sevenstamp: SevenStamp) -> None:
    sevenstamp.status = 404
    result = enrich(services, connection, event(id="card_1"), wait=1.0)
    assert (result.enriched, result.retry) == (False, False)


def test_7stamp_failing_for_now_is_worth_trying_later(services: Services, connection: Connection, sevenstamp: SevenStamp) -> None:
    sevenstamp.status = 503
    result = enrich(services, connection, event(id="card_1"), wait=1.0)
    assert (result.enriched, result.retry) == (False, True)
    assert result.record == event(id="card_1")


def test_a_refused_key_is_never_used_again(services: Services, connection: Connection, sevenstamp: SevenStamp) -> None:
    sevenstamp.status = 401
    result = enrich(services, connection, event(id="card_1"), wait=1.0)
    assert (result.enriched, result.retry) == (False, False)
    dead = services.locations.get("loc_a")
    assert dead is not None and dead.key_dead
    calls = len(sevenstamp.calls)
    after = enrich(services, dead, event(id="card_1"), wait=1.0)
    assert (after.enriched, after.retry) == (False, False) and len(sevenstamp.calls) == calls


def test_another_locations_cache_is_never_used(services: Services, connection: Connection, sevenstamp: SevenStamp) -> None:
    enrich(services, connection, event(id="card_1"), wait=1.0)
    other = connected(services, "loc_b", "7loc_sc_enrich_unit_key_0000002")
    assert isinstance(other, Connection)
    result = enrich(services, other, {**event(id="card_1"), "location_id": "loc_b"}, wait=0)
    assert not result.enriched and "email" not in result.record["customer"]
