"""Connecting a location and keeping it connected (sevenstamp/connect.py), over the real stores and key vault (moto).

A small 7stamp stand-in (httpx's MockTransport, as test_client.py uses) keeps webhook
registrations, answers a repeated Idempotency-Key with the registration it made for it, and can
refuse the key or fail.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import httpx
import pytest
from unit_support import ManualClock, answering

from chalicelib.container import Services
from chalicelib.sevenstamp import connect
from chalicelib.store.keys import key_hash
from chalicelib.store.locations import SLOTS
from chalicelib.store.records import ConnectionStatus, Tenant

KEY = "7loc_sc_connect_unit_key_000001"
TENANT = Tenant("loc_a", "Café A", "biz_1", "Biz", "staff@example.com")


@dataclass
class SevenStamp:
    hooks: dict[str, dict] = field(default_factory=dict)  # id -> registration
    by_key: dict[str, str] = field(default_factory=dict)  # idempotency key -> id
    creates: int = 0
    refuse_key: bool = False
    failing: bool = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.refuse_key:
            return httpx.Response(401, json={"error": {"code": "unauthorized", "message": "revoked"}})
        if self.failing:
            return httpx.Response(503)
        if request.url.path == "/v1/webhooks" and request.method == "POST":
            self.creates += 1
            key = request.headers["Idempotency-Key"]
            if key not in self.by_key:
                hook_id = f"wh_{len(self.by_key) + 1}"
                self.by_key[key] = hook_id
                self.hooks[hook_id] = {"id": hook_id, "secret": f"whsec_{hook_id}", **json.loads(request.content)}
            return httpx.Response(201, json=self.hooks[self.by_key[key]])
        if request.url.path == "/v1/webhooks":
            return httpx.Response(200, json={"data": list(self.hooks.values()), "next_cursor": None})
        return httpx.Response(404, json={"error": {"code": "not_found", "message": "-"}})


@pytest.fixture
def sevenstamp(services: Services) -> SevenStamp:
    return answering(services, SevenStamp())


def connect_once(services: Services, key: str = KEY) -> bool:
    return connect.ensure_connected(services, TENANT, key, services.sevenstamp(key, max_attempts=1))


def test_a_first_call_registers_the_locations_inbound_url_once(services: Services, sevenstamp: SevenStamp) -> None:
    assert connect_once(services)
    assert connect_once(services)
    connection = services.locations.get(TENANT.location_id)
    assert connection is not None and connection.status is ConnectionStatus.CONNECTED
    assert sevenstamp.creates == 1
    [registration] = sevenstamp.hooks.values()
    assert registration["url"] == connect.inbound_url(services, connection.token) and registration["events"] == ["*"]
    assert (connection.webhook_id, connection.secret) == (registration["id"], registration["secret"])
    assert connection.token.startswith(TENANT.location_id + ".")


def test_the_key_is_kept_encrypted_for_the_location_and_it_is_enrolled_in_its_minute(services: Services, sevenstamp: SevenStamp) -> None:
    connect_once(services)
    connection = services.locations.get(TENANT.location_id)
    assert connection is not None and connection.key_blob is not None and KEY.encode() not in connection.key_blob
    assert connect.stored_key(services, connection) == KEY
    assert connection.key_hashes == frozenset({key_hash(KEY)})
    assert connection.scheduled and TENANT.location_id in services.locations.in_slot(connect.slot_of(TENANT.location_id))


def test_a_failed_registration_is_false_and_the_next_call_registers(services: Services, sevenstamp: SevenStamp, clock: ManualClock) -> None:
    sevenstamp.failing = True
    assert not connect_once(services)
    connection = services.locations.get(TENANT.location_id)
    assert connection is not None and connection.status is ConnectionStatus.CONNECTING
    sevenstamp.failing = False
    clock.advance(60)  # the failed caller's claim lapsed
    assert connect_once(services)
    assert len(sevenstamp.hooks) == 1


def test_a_refused_stored_key_is_dead_until_a_working_key_replaces_it(
    services: Services, sevenstamp: SevenStamp, clock: ManualClock
) -> None:
    connect_once(services)
    services.key_cache.put(key_hash(KEY), TENANT)
    connection = services.locations.get(TENANT.location_id)
    assert connection is not None
    connect.key_refused(services, connection)
    dead = services.locations.get(TENANT.location_id)
    assert dead is not None and dead.key_dead and connect.stored_key(services, dead) is None
    assert services.key_cache.get(key_hash(KEY)) is None  # the next call asks 7stamp again
    clock.advance(1)
    fresh = "7loc_sc_connect_unit_key_000002"
    assert connect_once(services, fresh)
    alive = services.locations.get(TENANT.location_id)
    assert alive is not None and not alive.key_dead and connect.stored_key(services, alive) == fresh
    assert sevenstamp.creates == 1  # still connected: no second registration


def test_a_registration_still_held_is_left_alone(services: Services, sevenstamp: SevenStamp) -> None:
    connect_once(services)
    connection = services.locations.get(TENANT.location_id)
    assert connection is not None
    assert connect.check_registration(services, connection, services.sevenstamp(KEY)) is True
    assert sevenstamp.creates == 1


def test_a_lost_registration_is_registered_again_once(services: Services, sevenstamp: SevenStamp) -> None:
    connect_once(services)
    seen = services.locations.get(TENANT.location_id)
    assert seen is not None
    sevenstamp.hooks.clear()  # deleted in 7stamp's admin
    assert connect.check_registration(services, seen, services.sevenstamp(KEY)) is False
    assert connect.check_registration(services, seen, services.sevenstamp(KEY)) is False  # a check that saw the old one
    assert sevenstamp.creates == 2 and len(sevenstamp.hooks) == 1
    healed = services.locations.get(TENANT.location_id)
    assert healed is not None and healed.webhook_id in sevenstamp.hooks and healed.webhook_id != seen.webhook_id
    assert healed.registration_missing_at is not None and healed.registration_restored_at is not None


def test_the_hourly_check_runs_for_this_minutes_locations_and_marks_a_refused_key(
    services: Services, sevenstamp: SevenStamp, clock: ManualClock
) -> None:
    connect_once(services)
    slot = connect.slot_of(TENANT.location_id)
    clock.at = (int(clock.now()) // 3600 * 3600) + slot * 60 + 5  # this location's minute of the hour
    services.key_cache.put(key_hash(KEY), TENANT)
    sevenstamp.refuse_key = True
    assert connect.check_scheduled(services) == 1
    assert connect.check_scheduled(services) == 0  # taken once per hour
    connection = services.locations.get(TENANT.location_id)
    assert connection is not None and connection.key_dead
    assert services.key_cache.get(key_hash(KEY)) is None
    clock.advance(3600)
    assert connect.check_scheduled(services) == 0  # a dead key is not used


def test_another_minute_checks_no_one(services: Services, sevenstamp: SevenStamp, clock: ManualClock) -> None:
    connect_once(services)
    slot = connect.slot_of(TENANT.location_id)
    clock.at = (int(clock.now()) // 3600 * 3600) + ((slot + 1) % SLOTS) * 60
    assert connect.check_scheduled(services) == 0


def test_slots_spread_locations_over_the_hour() -> None:
    slots = {connect.slot_of(f"loc_{n}") for n in range(300)}
    assert slots <= set(range(SLOTS)) and len(slots) > SLOTS // 2
    assert connect.slot_of("loc_a") == connect.slot_of("loc_a")
