"""The answers' bodies (api/bodies.py): a listing never shows the secret, the subscribe answer does, a delivery row says its state."""

from __future__ import annotations

from chalicelib.api import bodies, hook_health
from chalicelib.contract.cursors import iso
from chalicelib.store.events import event_id_for
from chalicelib.store.records import Attempt, DeliveryRecord, DeliveryStatus, Subscription, Tenant

SUB = Subscription("hook_0001", "loc_a", "stamp_added", "https://hooks.example/a", {"card_template_id": ["tpl_1"]}, "whsec_secret", "t")


def test_me_is_the_tenant() -> None:
    tenant = Tenant("loc_a", "Café A", "biz_1", "Biz", "s@example.com")
    assert bodies.me(tenant)["location_id"] == "loc_a"
    assert set(bodies.me(tenant).values()) <= {"loc_a", "Café A", "biz_1", "Biz", "s@example.com"}


def test_only_the_subscribe_answer_carries_the_secret() -> None:
    health = {
        "status": "active",
        "failing_since": None,
        "disabled_at": None,
        "disabled_reason": None,
        "last_delivery_at": None,
        "last_delivery_status": None,
        "counts_24h": {s.value: 0 for s in DeliveryStatus},
        "connection": hook_health.connection_health(None),
    }
    listed = bodies.hook(SUB, **health)
    assert "secret" not in listed and SUB.secret not in str(listed)
    assert (listed["id"], listed["event"], listed["target_url"], listed["filters"]) == (SUB.id, SUB.event, SUB.target_url, SUB.filters)
    assert bodies.new_hook(SUB)["secret"] == SUB.secret


def row(status: DeliveryStatus, log: tuple[Attempt, ...], next_at: float = 1_800_000_600.0) -> dict:
    event_id, cursor = event_id_for(1_800_000_000_000, "d1")
    return bodies.delivery_row(DeliveryRecord(SUB.id, "loc_a", "wh_1", cursor, event_id, "stamp_added", status, len(log), next_at, log))


def test_a_delivery_row_says_its_latest_attempt_and_keeps_every_one() -> None:
    log = (Attempt(1_800_000_001.0, 500, None, 12.0, "no"), Attempt(1_800_000_060.0, None, "timed out", 10_000.0))
    shown = row(DeliveryStatus.PENDING, log)
    assert (shown["attempts"], shown["last_status_code"], shown["last_error"]) == (2, None, "timed out")
    assert shown["last_attempt_at"] == iso(1_800_000_060.0) and shown["received_at"] == iso(1_800_000_000.0)
    assert shown["next_attempt_at"] == iso(1_800_000_600.0)
    assert [h["ok"] for h in shown["history"]] == [False, False]


def test_only_a_pending_delivery_has_a_next_attempt() -> None:
    done = row(DeliveryStatus.DELIVERED, (Attempt(1_800_000_001.0, 204, None),))
    assert done["next_attempt_at"] is None and done["history"][0]["ok"] is True


def test_a_delivery_never_attempted_has_no_last_attempt() -> None:
    fresh = row(DeliveryStatus.PENDING, ())
    assert (fresh["attempts"], fresh["last_attempt_at"], fresh["history"]) == (0, None, [])


def test_the_sample_deliverys_answer() -> None:
    shown = bodies.sample_delivery("test_abc", Attempt(1_800_000_001.0, 299, None, 5.0, "fine"))
    assert (shown["event_id"], shown["ok"], shown["answer"]) == ("test_abc", True, "fine")
    assert bodies.sample_delivery("test_abc", Attempt(1_800_000_001.0, 300, None))["ok"] is False
