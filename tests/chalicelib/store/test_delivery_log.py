"""The console's reads of deliveries: a tenant's log newest first, filtered and paged, one hook's log, counts by status."""

from __future__ import annotations

from chalicelib.container import Services
from chalicelib.store.events import event_id_for
from chalicelib.store.records import Attempt, DeliveryRecord, DeliveryStatus

LEASE = 60.0


def deliver(
    services: Services, n: int, status: DeliveryStatus, *, sub: str = "hook_0001", loc: str = "loc_a", event: str = "stamp_added"
) -> str:
    """A delivery of event ``n`` ended in ``status``; its cursor."""
    event_id, cursor = event_id_for(1_800_000_000_000 + n, f"d{n}")
    record = DeliveryRecord(sub, loc, f"wh_{n}", cursor, event_id, event, DeliveryStatus.PENDING, 0, 0.0)
    claimed = services.deliveries.claim(record, LEASE, first=True)
    assert claimed is not None
    next_at = services.clock.now() + 3600 if status is DeliveryStatus.PENDING else None
    services.deliveries.finish_many([(claimed, Attempt(services.clock.now(), 200, None), status, next_at)])
    return cursor


def test_a_tenants_page_is_newest_first_across_its_hooks_and_holds_no_other_tenants(services: Services) -> None:
    a1 = deliver(services, 1, DeliveryStatus.DELIVERED, sub="hook_0001")
    a2 = deliver(services, 2, DeliveryStatus.FAILED, sub="hook_0002")
    deliver(services, 3, DeliveryStatus.DELIVERED, sub="hook_0009", loc="loc_b")
    rows, after = services.delivery_log.page("loc_a", status=None, event=None, since=None, limit=10, after=None)
    assert [(r.event_cursor, r.subscription_id) for r in rows] == [(a2, "hook_0002"), (a1, "hook_0001")]
    assert after is None
    assert services.delivery_log.page("loc_c", status=None, event=None, since=None, limit=10, after=None) == ([], None)


def test_pages_follow_each_other_without_gap_or_repeat(services: Services) -> None:
    cursors = [deliver(services, n, DeliveryStatus.DELIVERED) for n in range(1, 8)]
    seen: list[str] = []
    after = None
    for _ in range(10):
        rows, after = services.delivery_log.page("loc_a", status=None, event=None, since=None, limit=3, after=after)
        seen.extend(r.event_cursor for r in rows)
        assert len(rows) <= 3
        if after is None:
            break
    assert seen == cursors[::-1]


def test_filters_by_status_event_and_since(services: Services) -> None:
    c1 = deliver(services, 1, DeliveryStatus.FAILED)
    c2 = deliver(services, 2, DeliveryStatus.DELIVERED, event="reward_redeemed")
    c3 = deliver(services, 3, DeliveryStatus.FAILED, event="reward_redeemed")

    def cursors(**given: object) -> list[str]:
        rows, _ = services.delivery_log.page("loc_a", **{"status": None, "event": None, "since": None, "limit": 10, "after": None, **given})  # type: ignore[arg-type]
        return [r.event_cursor for r in rows]

    assert cursors(status="failed") == [c3, c1]
    assert cursors(event="reward_redeemed") == [c3, c2]
    assert cursors(status="failed", event="reward_redeemed") == [c3]
    assert cursors(since=c1) == [c3, c2]
    assert cursors(status="gone") == []


def test_one_hooks_reads(services: Services) -> None:
    assert services.delivery_log.latest("hook_0001") is None
    assert services.delivery_log.recent("hook_0001", 5) == []
    c1 = deliver(services, 1, DeliveryStatus.FAILED)
    c2 = deliver(services, 2, DeliveryStatus.DELIVERED)
    deliver(services, 3, DeliveryStatus.DELIVERED, sub="hook_0002")
    assert services.delivery_log.latest("hook_0001") == (c2, DeliveryStatus.DELIVERED)
    assert [r.event_cursor for r in services.delivery_log.recent("hook_0001", 5)] == [c2, c1]
    assert [r.event_cursor for r in services.delivery_log.recent("hook_0001", 1)] == [c2]
    assert services.delivery_log.statuses("hook_0001", c1) == [(c2, DeliveryStatus.DELIVERED)]
    assert services.delivery_log.statuses("hook_0001", "0") == [(c2, DeliveryStatus.DELIVERED), (c1, DeliveryStatus.FAILED)]


def test_a_tenants_statuses_count_all_its_hooks_and_only_its_own(services: Services) -> None:
    c1 = deliver(services, 1, DeliveryStatus.FAILED, sub="hook_0001")
    c2 = deliver(services, 2, DeliveryStatus.DELIVERED, sub="hook_0002")
    deliver(services, 3, DeliveryStatus.DELIVERED, sub="hook_0003", loc="loc_b")
    assert services.delivery_log.tenant_statuses("loc_a", "0") == [(c2, DeliveryStatus.DELIVERED), (c1, DeliveryStatus.FAILED)]
    assert services.delivery_log.tenant_statuses("loc_a", c1) == [(c2, DeliveryStatus.DELIVERED)]


def test_a_missing_delivery_is_none(services: Services) -> None:
    assert services.delivery_log.get("hook_0001", "000000000000001#x") is None
