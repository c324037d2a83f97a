"""Health, the connection test, the catalog and the OpenAPI document (api/meta.py): which need a key, and what they answer."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from chalice.test import Client
from unit_support import route_client

from chalicelib.container import Services
from chalicelib.contract import registry
from chalicelib.store.records import Tenant

KEY = "7loc_sc_meta_unit_key_000000001"
TENANT = Tenant("loc_a", "Café A", "biz_1", "Biz", "s@example.com")


@pytest.fixture
def client(services: Services, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    with route_client(services, monkeypatch, {KEY: TENANT}) as c:  # type: ignore[attr-defined]
        yield c


def get(client: Client, path: str, key: str | None = KEY) -> tuple[int, object]:
    answer = client.http.get(path, headers={"X-API-Key": key} if key else {})
    return answer.status_code, json.loads(answer.body)


def test_health_and_the_document_need_no_key(client: Client) -> None:
    assert get(client, "/health", None) == (200, {"ok": True})
    status, document = get(client, "/openapi.json", None)
    assert status == 200 and isinstance(document, dict) and document["openapi"].startswith("3.")


def test_me_names_the_keys_location_and_needs_the_key(client: Client) -> None:
    status, body = get(client, "/v1/me")
    assert status == 200 and isinstance(body, dict) and body["location_id"] == TENANT.location_id
    assert get(client, "/v1/me", None)[0] == 401


def test_the_catalog_holds_every_trigger_and_action_and_needs_the_key(client: Client) -> None:
    status, catalog = get(client, "/v1/catalog")
    assert status == 200
    text = json.dumps(catalog)
    assert all(f'"{key}"' in text for key in [*registry.triggers(), *registry.actions()])
    assert get(client, "/v1/catalog", None)[0] == 401


def test_the_document_names_every_route_the_app_serves(client: Client) -> None:
    import app as connector_app

    _, document = get(client, "/openapi.json", None)
    assert isinstance(document, dict)
    paths = set(document["paths"])
    served = {route for route in connector_app.app.routes if not route.startswith(("/console", "/inbound"))}
    assert {p for p in served if "{" not in p} <= paths
