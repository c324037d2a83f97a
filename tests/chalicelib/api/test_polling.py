"""Polling a trigger (api/polling.py) through its route: newest first, ``since`` never skipping, filters, samples, tenants apart.

Chalice's in-process test client over the connector's app; the event store is real (moto)
and its clock is the test's, so the horizon is exact.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from chalice.test import Client
from unit_support import ManualClock, route_client

from chalicelib.container import Services
from chalicelib.contract import registry
from chalicelib.contract.limits import POLL_LIMIT_MAX
from chalicelib.store.events import HORIZON_SECONDS, id_of
from chalicelib.store.records import Tenant

KEY = "7loc_sc_polling_unit_key_000001"
TENANT = Tenant("loc_a", "Café A", "biz_1", "Biz", "staff@example.com")


@pytest.fixture
def client(services: Services, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    with route_client(services, monkeypatch, {KEY: TENANT}) as c:  # type: ignore[attr-defined]
        yield c


def store(services: Services, n: int, event: str = "stamp_added", location_id: str = "loc_a", **fields: object) -> str:
    event_id, _ = services.events.put_new(location_id, f"wh_{n}", f"d{n}", {"event": event, "location_id": location_id, "n": n, **fields})
    services.clock.advance(1)  # type: ignore[attr-defined]
    return event_id


def poll(client: Client, path: str) -> tuple[int, object, dict[str, str]]:
    answer = client.http.get(path, headers={"X-API-Key": KEY})
    return answer.status_code, json.loads(answer.body), answer.headers


def ns(body: object) -> list[int]:
    assert isinstance(body, list)
    return [r["n"] for r in body]


def test_recent_events_newest_first_and_a_cursor_no_newer_than_the_horizon(client: Client, services: Services, clock: ManualClock) -> None:
    ids = [store(services, n) for n in (1, 2, 3)]
    status, body, headers = poll(client, "/v1/triggers/stamp_added")
    assert status == 200 and ns(body) == [3, 2, 1]
    assert headers["X-Next-Cursor"] != ids[-1]  # too new to start from: a write before it may still land
    assert headers["X-Next-Cursor"] == id_of(services.events.horizon())
    clock.advance(HORIZON_SECONDS * 2)
    assert poll(client, "/v1/triggers/stamp_added")[2]["X-Next-Cursor"] == ids[-1]


def test_since_gives_what_came_after_and_where_to_go_on(client: Client, services: Services, clock: ManualClock) -> None:
    first = store(services, 1)
    store(services, 2)
    store(services, 3)
    clock.advance(HORIZON_SECONDS + 1)
    status, body, headers = poll(client, f"/v1/triggers/stamp_added?since={first}")
    assert status == 200 and ns(body) == [3, 2]
    status, body, again = poll(client, f"/v1/triggers/stamp_added?since={headers['X-Next-Cursor']}")
    assert body == [] and again["X-Next-Cursor"] == headers["X-Next-Cursor"]


def test_any_lists_every_event_and_one_trigger_only_its_own(client: Client, services: Services) -> None:
    store(services, 1)
    store(services, 2, event="reward_issued")
    assert ns(poll(client, f"/v1/triggers/{registry.ANY_EVENT}")[1]) == [2, 1]
    assert ns(poll(client, "/v1/triggers/reward_issued")[1]) == [2]


def test_another_tenants_events_are_never_polled(client: Client, services: Services) -> None:
    store(services, 1, location_id="loc_b")
    assert poll(client, "/v1/triggers/stamp_added")[1] == []


def test_filters_in_the_query_string(client: Client, services: Services) -> None:
    store(services, 1, card={"template_id": "tpl_a"})
    store(services, 2, card={"template_id": "tpl_b"})
    store(services, 3, card={"template_id": "tpl_c"})
    assert ns(poll(client, "/v1/triggers/stamp_added?card_template_id=tpl_a,tpl_c")[1]) == [3, 1]
    status, body, _ = poll(client, "/v1/triggers/stamp_added?no_such_filter=x")
    assert status == 422 and "no_such_filter" in body["error"]["fields"]  # type: ignore[index]


def test_the_limit_is_bounded_by_the_contract(client: Client, services: Services) -> None:
    for n in range(3):
        store(services, n)
    assert len(poll(client, "/v1/triggers/stamp_added?limit=2")[1]) == 2  # type: ignore[arg-type]
    for bad in ("0", str(POLL_LIMIT_MAX + 1), "x", "-1"):
        assert poll(client, f"/v1/triggers/stamp_added?limit={bad}")[0] == 422


def test_an_empty_trigger_answers_its_sample_only_when_asked(client: Client) -> None:
    assert poll(client, "/v1/triggers/stamp_added")[1] == []
    status, body, _ = poll(client, "/v1/triggers/stamp_added?samples=1")
    assert status == 200 and body == [{**registry.triggers()["stamp_added"].sample, "sample": True}]


def test_an_unknown_trigger_is_404_with_a_suggestion(client: Client) -> None:
    status, body, _ = poll(client, "/v1/triggers/stamp_addded")
    assert status == 404 and "stamp_added" in body["error"]["message"]  # type: ignore[index]


def test_settled_pages_backwards(client: Client, services: Services, clock: ManualClock) -> None:
    for n in range(1, 5):
        store(services, n)
    clock.advance(HORIZON_SECONDS + 1)
    status, body, headers = poll(client, "/v1/triggers/stamp_added?settled=1&limit=3")
    assert ns(body) == [4, 3, 2]
    assert ns(poll(client, f"/v1/triggers/stamp_added?before={headers['X-Next-Cursor']}&limit=3")[1]) == [1]


def test_a_poll_without_a_key_is_401(client: Client) -> None:
    assert client.http.get("/v1/triggers/stamp_added").status_code == 401
