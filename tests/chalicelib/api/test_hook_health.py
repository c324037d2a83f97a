"""A subscription's health and the tenant's hourly chart (api/hook_health.py), from real delivery records."""

from __future__ import annotations

from dataclasses import replace

import pytest
from unit_support import ManualClock

from chalicelib.api import hook_health
from chalicelib.container import Services
from chalicelib.contract.cursors import iso
from chalicelib.store.events import event_id_for
from chalicelib.store.records import Attempt, Connection, ConnectionStatus, DeliveryRecord, DeliveryStatus, Subscription

SUB = Subscription("hook_0001", "loc_a", "stamp_added", "https://hooks.example/a", {}, "whsec_never_shown", "2027-01-01T00:00:00Z")
HOUR = 3600.0


def delivered(services: Services, received_at: float, status: DeliveryStatus, n: int, sub: Subscription = SUB) -> str:
    """A delivery of an event received at ``received_at`` that ended in ``status``; its cursor."""
    event_id, cursor = event_id_for(int(received_at * 1000), f"d{n}")
    record = DeliveryRecord(sub.id, sub.location_id, f"wh_{n}", cursor, event_id, sub.event, DeliveryStatus.PENDING, 0, 0.0)
    claimed = services.deliveries.claim(record, 60, first=True)
    assert claimed is not None
    next_at = services.clock.now() + HOUR if status is DeliveryStatus.PENDING else None
    services.deliveries.finish_many([(claimed, Attempt(services.clock.now(), 200, None), status, next_at)])
    return cursor


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({}, "active"),
        ({"failing_since": 5.0}, "failing"),
        ({"disabled": True}, "disabled"),
        ({"disabled": True, "failing_since": 5.0}, "disabled"),
    ],
)
def test_status_of(changes: dict, status: str) -> None:
    assert hook_health.status_of(replace(SUB, **changes)) == status


def test_a_connection_with_nothing_to_say_has_no_notices() -> None:
    for connection in (None, Connection("loc_a", "loc_a.t", ConnectionStatus.CONNECTED)):
        said = hook_health.connection_health(connection)
        assert said["notices"] == [] and all(v is None for k, v in said.items() if k != "notices")


def test_a_revoked_key_is_said_until_replaced_and_then_said_so() -> None:
    revoked = Connection("loc_a", "loc_a.t", ConnectionStatus.CONNECTED, key_dead_at=1000.0)
    said = hook_health.connection_health(revoked)
    assert said["enrichment_key_revoked_at"] == iso(1000.0) and said["enrichment_key_replaced_at"] is None
    assert len(said["notices"]) == 1 and "unenriched" in said["notices"][0]
    replaced = hook_health.connection_health(replace(revoked, key_replaced_at=2000.0))
    assert replaced["enrichment_key_replaced_at"] == iso(2000.0)
    assert len(replaced["notices"]) == 1 and iso(2000.0) in replaced["notices"][0]


def test_a_lost_registration_is_said_as_lost_then_as_restored() -> None:
    lost = Connection("loc_a", "loc_a.t", ConnectionStatus.CONNECTED, registration_missing_at=1000.0)
    assert "registering it again" in hook_health.connection_health(lost)["notices"][0]
    restored = hook_health.connection_health(replace(lost, registration_restored_at=1500.0))
    assert restored["registration_restored_at"] == iso(1500.0) and iso(1500.0) in restored["notices"][0]
    lost_again = hook_health.connection_health(replace(lost, registration_restored_at=500.0, registration_missing_at=1000.0))
    assert "registering it again" in lost_again["notices"][0]  # restored before this loss


def test_health_counts_the_last_24_hours_by_status_and_names_the_latest(services: Services, clock: ManualClock) -> None:
    now = clock.now()
    delivered(services, now - 30 * HOUR, DeliveryStatus.FAILED, 1)  # outside the window
    delivered(services, now - 3 * HOUR, DeliveryStatus.DELIVERED, 2)
    delivered(services, now - 2 * HOUR, DeliveryStatus.DELIVERED, 3)
    delivered(services, now - HOUR, DeliveryStatus.FAILED, 4)
    delivered(services, now - HOUR, DeliveryStatus.DELIVERED, 5, sub=replace(SUB, id="hook_0002"))  # another hook
    said = hook_health.health(services, SUB)
    assert said["counts_24h"] == {"pending": 0, "delivered": 2, "failed": 1, "gone": 0}
    assert said["last_delivery_status"] == "failed" and said["last_delivery_at"] == iso(int((now - HOUR) * 1000) / 1000)
    assert said["status"] == "active" and "secret" not in said and SUB.secret not in str(said)


def test_health_of_a_quiet_hook_still_names_its_last_delivery(services: Services, clock: ManualClock) -> None:
    said = hook_health.health(services, SUB)
    assert said["last_delivery_at"] is None and sum(said["counts_24h"].values()) == 0
    delivered(services, clock.now() - 50 * HOUR, DeliveryStatus.DELIVERED, 1)
    said = hook_health.health(services, SUB)
    assert said["last_delivery_status"] == "delivered" and sum(said["counts_24h"].values()) == 0


def test_healths_of_many_and_of_none(services: Services) -> None:
    assert hook_health.healths(services, []) == []
    subs = [replace(SUB, id=f"hook_{n:04d}") for n in range(5)]
    assert [h["id"] for h in hook_health.healths(services, subs)] == [s.id for s in subs]


def test_the_hourly_chart_has_24_hours_oldest_first_with_each_delivery_in_its_hour(services: Services, clock: ManualClock) -> None:
    now = clock.now()
    this_hour = int(now) // 3600 * 3600
    delivered(services, this_hour + 1, DeliveryStatus.DELIVERED, 1)
    delivered(services, this_hour - 5 * HOUR + 10, DeliveryStatus.FAILED, 2)
    delivered(services, this_hour - 5 * HOUR + 20, DeliveryStatus.FAILED, 3)
    delivered(services, this_hour - 24 * HOUR, DeliveryStatus.DELIVERED, 4)  # a day ago: before the chart
    delivered(services, this_hour, DeliveryStatus.DELIVERED, 5, sub=replace(SUB, location_id="loc_b"))
    chart = hook_health.hourly(services, "loc_a")
    assert len(chart) == hook_health.WINDOW_HOURS
    assert [row["hour"] for row in chart] == [iso(this_hour - (23 - i) * HOUR) for i in range(24)]
    assert chart[-1]["delivered"] == 1 and chart[-6]["failed"] == 2
    assert sum(row[s] for row in chart for s in ("pending", "delivered", "failed", "gone")) == 3
