"""The services (chalicelib/container.py): each repository on the table its setting names, fresh per set, one pool per process."""

from __future__ import annotations

import os

import httpx
import pytest
from unit_support import ManualClock, answering

from chalicelib import container
from chalicelib.container import Services
from chalicelib.errors import UpstreamError
from chalicelib.store.records import Subscription


def items(services: Services, table: str) -> list[dict]:
    return list(services.aws.client("dynamodb").scan(TableName=table)["Items"])


def test_each_repository_writes_to_the_table_its_setting_names(services: Services) -> None:
    settings = services.settings
    services.locations.claim("loc_a", "loc_a." + "t" * 32)
    services.subscriptions.create(Subscription("hook_0001", "loc_a", "stamp_added", "https://hooks.example/a", {}, "s", "t"))
    services.idempotency.begin("loc_a", "k", "fp")
    services.rates.take("bucket", 1, 60)
    assert items(services, settings.locations_table)[0]["pk"]["S"] == "loc#loc_a"
    assert {i["sk"]["S"] for i in items(services, settings.subscriptions_table)} >= {"hook_0001"}
    assert items(services, settings.idempotency_table)[0]["pk"]["S"] == "loc_a#k"
    assert any(i["pk"]["S"].startswith("rate#bucket#") for i in items(services, settings.keys_table))


def test_the_clock_given_is_every_parts_clock(services: Services, clock: ManualClock) -> None:
    assert services.clock is clock
    services.idempotency.begin("loc_a", "k", "fp")
    clock.advance(services.settings.idempotency_hours * 3600 + 1)
    assert services.idempotency.begin("loc_a", "k", "fp") is None  # expired by the test's clock, not the wall's


def test_a_fresh_set_reads_the_environment_as_it_is_now(services: Services, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("KEY_CACHE_SECONDS", "42")
    fresh = container.from_environment(ManualClock())
    assert fresh.settings.key_cache_seconds == 42 and fresh is not services
    assert os.environ["KEY_CACHE_SECONDS"] == "42"


def test_clients_for_7stamp_share_one_pool_each_with_its_own_key_and_attempts(services: Services) -> None:
    seen: list[str] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        return httpx.Response(503)

    answering(services, refuse)  # the one pool every client of this set uses
    assert services.sevenstamp_http is services.sevenstamp_http
    for key in ("7loc_sc_aaaaaaaaaaaaaaaa", "7loc_sc_bbbbbbbbbbbbbbbb"):
        with pytest.raises(UpstreamError):
            services.sevenstamp(key, max_attempts=1).me()
    assert seen == ["Bearer 7loc_sc_aaaaaaaaaaaaaaaa", "Bearer 7loc_sc_bbbbbbbbbbbbbbbb"]  # one attempt each, each its own key
