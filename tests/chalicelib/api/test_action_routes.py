"""The action, search and dropdown routes (api/action_routes.py) through the connector's app.

A 7stamp stand-in over httpx's MockTransport answers the card template list and a redeem, and
keeps the Idempotency-Key of each write it gets; the idempotency store is real (moto).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from chalice.test import Client
from unit_support import answering, route_client

from chalicelib.container import Services
from chalicelib.contract import registry
from chalicelib.contract.catalog import OPTION_SOURCES
from chalicelib.store.records import Tenant

KEY = "7loc_sc_actions_unit_key_000001"
TENANT = Tenant("loc_a", "Café A", "biz_1", "Biz", "staff@example.com")
VOUCHER = {"id": "v_1", "status": "redeemed", "title": "Free coffee", "customer": {"id": "cus_1"}}


class SevenStamp:
    def __init__(self) -> None:
        self.writes: list[tuple[str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/templates/cards":
            return httpx.Response(200, json={"data": [{"id": "tpl_1", "name": "Coffee"}, {"id": "tpl_2"}], "next_cursor": None})
        if request.method == "POST":
            self.writes.append((request.url.path, request.headers.get("Idempotency-Key", "")))
            return httpx.Response(200, json={"voucher": VOUCHER, "customer": {"id": "cus_1"}, **VOUCHER})
        return httpx.Response(404, json={"error": {"code": "not_found", "message": "-"}})


@pytest.fixture
def sevenstamp(services: Services) -> SevenStamp:
    return answering(services, SevenStamp())


@pytest.fixture
def client(services: Services, sevenstamp: SevenStamp, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    with route_client(services, monkeypatch, {KEY: TENANT}) as c:  # type: ignore[attr-defined]
        yield c


def call(client: Client, method: str, path: str, body: object = None, **headers: str) -> tuple[int, object]:
    raw = b"" if body is None else json.dumps(body).encode()
    answer = client.http.request(method, path, headers={"X-API-Key": KEY, "Content-Type": "application/json", **headers}, body=raw)
    return answer.status_code, json.loads(answer.body)


@pytest.mark.parametrize("path", ["/v1/actions/no-such-action", "/v1/actions/find-customer", "/v1/actions/add_stamp"])
def test_an_unknown_action_is_404(client: Client, path: str) -> None:
    status, body = call(client, "POST", path, {})
    assert status == 404 and body["error"]["code"] == "not_found"  # type: ignore[index]


def test_a_search_is_not_an_action_and_back(client: Client) -> None:
    assert call(client, "GET", "/v1/searches/add-stamp")[0] == 404
    assert call(client, "GET", "/v1/searches/nope")[0] == 404


def test_the_events_dropdown_lists_every_trigger(client: Client) -> None:
    status, body = call(client, "GET", "/v1/options/events")
    assert status == 200 and body == [{"id": key, "label": t.label} for key, t in registry.triggers().items()]


def test_the_card_templates_dropdown_asks_7stamp(client: Client) -> None:
    status, body = call(client, "GET", "/v1/options/card-templates")
    assert status == 200 and body == [{"id": "tpl_1", "label": "Coffee"}, {"id": "tpl_2", "label": "tpl_2"}]


def test_an_unknown_dropdown_is_404_naming_those_there_are(client: Client) -> None:
    status, body = call(client, "GET", "/v1/options/colours")
    assert status == 404 and all(name in body["error"]["message"] for name in OPTION_SOURCES)  # type: ignore[index]


def test_an_actions_bad_input_is_422_before_7stamp_is_asked(client: Client, sevenstamp: SevenStamp) -> None:
    status, body = call(client, "POST", "/v1/actions/redeem-voucher", {"voucher_id": "..", "extra": 1})
    assert status == 422 and {"voucher_id", "extra"} <= set(body["error"]["fields"])  # type: ignore[index]
    assert sevenstamp.writes == []


def test_an_idempotency_key_header_makes_a_repeated_write_answer_the_first(client: Client, sevenstamp: SevenStamp) -> None:
    first = call(client, "POST", "/v1/actions/redeem-voucher", {"voucher_id": "v_1"}, **{"Idempotency-Key": "order-7"})
    again = call(client, "POST", "/v1/actions/redeem-voucher", {"voucher_id": "v_1"}, **{"Idempotency-Key": "order-7"})
    assert first[0] == 200 and again == first
    assert len(sevenstamp.writes) == 1 and "order-7" in sevenstamp.writes[0][1]
    status, body = call(client, "POST", "/v1/actions/redeem-voucher", {"voucher_id": "v_2"}, **{"Idempotency-Key": "order-7"})
    assert status == 409 and body["error"]["code"] == "idempotency_conflict"  # type: ignore[index]
