"""The console's event search (api/event_search.py): the tenant's recent events, matched by id, customer or card, exactly."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from chalice.test import Client
from unit_support import route_client

from chalicelib.container import Services
from chalicelib.store.records import Tenant

KEY = "7loc_sc_search_unit_key_0000001"
TENANT = Tenant("loc_a", "Café A", "biz_1", "Biz", "staff@example.com")


@pytest.fixture
def client(services: Services, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    with route_client(services, monkeypatch, {KEY: TENANT}) as c:  # type: ignore[attr-defined]
        yield c


def store(services: Services, n: int, location_id: str = "loc_a", **fields: object) -> str:
    event_id, _ = services.events.put_new(
        location_id, f"wh_{n}", f"d{n}", {"event": "stamp_added", "location_id": location_id, "n": n, **fields}
    )
    services.clock.advance(1)  # type: ignore[attr-defined]
    return event_id


def search(client: Client, q: str | None = None) -> tuple[int, object]:
    answer = client.http.get("/v1/events" + (f"?q={q}" if q is not None else ""), headers={"X-API-Key": KEY})
    return answer.status_code, json.loads(answer.body)


def ns(body: object) -> list[int]:
    assert isinstance(body, list)
    return [r["n"] for r in body]


def test_without_a_query_the_newest_events_are_shown(client: Client, services: Services) -> None:
    for n in range(3):
        store(services, n)
    store(services, 9, location_id="loc_b")
    assert ns(search(client)[1]) == [2, 1, 0]


def test_each_searchable_field_matches_exactly_and_in_any_case(client: Client, services: Services) -> None:
    first = store(services, 1, customer={"id": "cus_1", "email": "Zoe@Example.com", "phone": "+14155550199"}, card={"id": "card_1"})
    store(services, 2, customer={"id": "cus_2", "email": "ann@example.com"}, card={"id": "card_2"})
    for q in ("zoe@example.com", "ZOE@EXAMPLE.COM", "cus_1", "card_1", "%2B14155550199", first):
        assert ns(search(client, q)[1]) == [1], q
    assert search(client, "zoe")[1] == []  # exact, not a substring
    assert search(client, "example.com")[1] == []


def test_odd_records_are_skipped_not_failed(client: Client, services: Services) -> None:
    store(services, 1, customer="not an object", card=["nor", "this"])
    store(services, 2, customer={"id": "cus_2"})
    assert ns(search(client, "cus_2")[1]) == [2]


def test_another_tenants_events_are_never_found(client: Client, services: Services) -> None:
    store(services, 1, location_id="loc_b", customer={"id": "cus_1"})
    assert search(client, "cus_1")[1] == []


def test_a_query_over_200_characters_is_422(client: Client) -> None:
    status, body = search(client, "q" * 201)
    assert status == 422 and "q" in body["error"]["fields"]  # type: ignore[index]
