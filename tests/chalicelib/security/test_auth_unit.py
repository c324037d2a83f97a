"""Who is calling (security/auth.py): the key read from the request, checked for shape, mapped to its location once, cached.

Named ``_unit`` because tests/sandbox/test_auth.py holds the plain name. A 7stamp stand-in over
httpx's MockTransport answers /v1/me and registrations and counts its calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import httpx
import pytest
from unit_support import answering

from chalicelib.container import Services
from chalicelib.errors import Forbidden, Unauthorized
from chalicelib.security import auth
from chalicelib.store.keys import key_hash
from chalicelib.store.records import Tenant

KEY = "7loc_sc_auth_unit_key_00000001"
ME = {"location_id": "loc_a", "location_name": "Café A", "business_id": "biz_1", "business_name": "Biz", "staff_login": "s@example.com"}


@dataclass
class SevenStamp:
    paths: list[str] = field(default_factory=list)
    status: int = 200

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        if self.status != 200:
            return httpx.Response(self.status, json={"error": {"code": "unauthorized", "message": "unknown key"}})
        if request.url.path == "/v1/me":
            return httpx.Response(200, json=ME)
        return httpx.Response(201, json={"id": "wh_1", "secret": "whsec_" + "A" * 43})


@pytest.fixture
def sevenstamp(services: Services) -> SevenStamp:
    return answering(services, SevenStamp())


def test_a_mask_never_shows_the_whole_key() -> None:
    assert auth.mask(KEY) == KEY[:12] + "…" and KEY not in auth.mask(KEY)


@pytest.mark.parametrize(
    "headers",
    [
        {"X-API-Key": KEY},
        {"x-api-key": f" {KEY} "},
        {"Authorization": f"Bearer {KEY}"},
        {"authorization": f"bearer   {KEY}"},
        {"X-API-Key": KEY, "Authorization": "Bearer 7loc_sc_the_other_one_00000"},  # X-API-Key first
    ],
)
def test_the_key_is_read_from_either_header(headers: dict[str, str]) -> None:
    assert auth.key_from_headers(headers) == KEY


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-API-Key": ""},
        {"Authorization": f"Basic {KEY}"},
        {"Authorization": KEY},
        {"X-API-Key": "7loc_sc_short"},
        {"X-API-Key": "7loc_pk_aaaaaaaaaaaaaaaaaaaa"},
        {"X-API-Key": "7loc_sc_" + "a" * 129},
        {"X-API-Key": "7loc_sc_aaaaaaaa aaaaaaaaaa"},
        {"X-API-Key": "7loc_sc_ａａａａａａａａａａａａａａａａ"},
    ],
)
def test_a_missing_or_malformed_key_is_401_and_never_echoed(headers: dict[str, str]) -> None:
    with pytest.raises(Unauthorized) as refused:
        auth.key_from_headers(headers)
    for value in headers.values():
        if value.strip():
            assert value.strip() not in refused.value.message


def test_the_allow_lists_of_a_stage(services: Services) -> None:
    auth.check_allowed(services.settings, "loc_any", "biz_any")  # unset: every location and business
    only = replace(services.settings, allowed_locations=frozenset({"loc_a"}), allowed_businesses=frozenset({"biz_1"}))
    auth.check_allowed(only, "loc_a", "biz_1")
    with pytest.raises(Forbidden):
        auth.check_allowed(only, "loc_b", "biz_1")
    with pytest.raises(Forbidden):
        auth.check_allowed(only, "loc_a", "biz_2")


def test_a_new_key_asks_7stamp_once_connects_the_location_and_is_cached(services: Services, sevenstamp: SevenStamp) -> None:
    tenant = auth.authenticate(services, KEY)
    assert tenant == Tenant(**ME)
    assert services.key_cache.get(key_hash(KEY)) == tenant
    connection = services.locations.get("loc_a")
    assert connection is not None and connection.webhook_id == "wh_1"
    asked = len(sevenstamp.paths)
    assert auth.authenticate(services, KEY) == tenant
    assert len(sevenstamp.paths) == asked  # the cache answered


def test_a_key_7stamp_refuses_is_401_and_nothing_is_kept(services: Services, sevenstamp: SevenStamp) -> None:
    sevenstamp.status = 401
    with pytest.raises(Unauthorized):
        auth.authenticate(services, KEY)
    assert services.key_cache.get(key_hash(KEY)) is None and services.locations.get("loc_a") is None


def test_a_location_the_stage_does_not_serve_is_refused_before_anything_is_registered(services: Services, sevenstamp: SevenStamp) -> None:
    staged = replace(services, settings=replace(services.settings, allowed_locations=frozenset({"loc_other"})))
    answering(staged, sevenstamp)
    with pytest.raises(Forbidden):
        auth.authenticate(staged, KEY)
    assert sevenstamp.paths == ["/v1/me"]
    assert services.locations.get("loc_a") is None and services.key_cache.get(key_hash(KEY)) is None


def test_a_cached_key_is_refused_once_the_stage_no_longer_serves_its_location(services: Services, sevenstamp: SevenStamp) -> None:
    auth.authenticate(services, KEY)
    staged = replace(services, settings=replace(services.settings, allowed_businesses=frozenset({"biz_other"})))
    with pytest.raises(Forbidden):
        auth.authenticate(staged, KEY)
