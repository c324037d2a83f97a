"""How a subscription is doing, and the tenant's deliveries per hour: what the console shows first.

A subscription is ``disabled`` (with why and since when), ``failing`` (its latest attempt
failed, since the time of the first failure in a row) or ``active``. Counts are of the
deliveries of events received in the last 24 hours, by their status now.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from chalicelib.api import bodies
from chalicelib.container import Services
from chalicelib.contract.cursors import cursor_at, iso, seconds_of
from chalicelib.store.records import DeliveryStatus, Subscription

WINDOW_HOURS = 24
PARALLEL_READS = 8


def status_of(sub: Subscription) -> str:
    return "disabled" if sub.disabled else "failing" if sub.failing_since is not None else "active"


def health(services: Services, sub: Subscription) -> dict[str, Any]:
    """The subscription as GET /v1/hooks shows it: no secret, with its health (one or two Queries)."""
    log = services.delivery_log
    recent = log.statuses(sub.id, cursor_at(services.clock.now() - WINDOW_HOURS * 3600))
    latest = recent[0] if recent else log.latest(sub.id)
    counts = Counter(status.value for _, status in recent)
    return {
        **bodies.hook(sub),
        "status": status_of(sub),
        "failing_since": iso(sub.failing_since) if sub.failing_since is not None else None,
        "disabled_at": iso(sub.disabled_at) if sub.disabled_at is not None else None,
        "disabled_reason": sub.disabled_reason if sub.disabled else None,
        "last_delivery_at": iso(seconds_of(latest[0])) if latest else None,
        "last_delivery_status": latest[1].value if latest else None,
        "counts_24h": {s.value: counts.get(s.value, 0) for s in DeliveryStatus},
    }


def healths(services: Services, subs: list[Subscription]) -> list[dict[str, Any]]:
    """health() of many subscriptions, a few reads at a time."""
    with ThreadPoolExecutor(max_workers=PARALLEL_READS) as pool:
        return list(pool.map(lambda sub: health(services, sub), subs))


def hourly(services: Services, location_id: str) -> list[dict[str, Any]]:
    """The tenant's deliveries per hour of receipt over the last 24 hours, oldest hour first, by status now."""
    now = services.clock.now()
    first_hour = (int(now) // 3600 - WINDOW_HOURS + 1) * 3600
    buckets = [Counter[str]() for _ in range(WINDOW_HOURS)]
    for cursor, status in services.delivery_log.tenant_statuses(location_id, cursor_at(first_hour)):
        index = int(seconds_of(cursor) - first_hour) // 3600
        if 0 <= index < WINDOW_HOURS:
            buckets[index][status.value] += 1
    return [{"hour": iso(first_hour + i * 3600), **{s.value: b.get(s.value, 0) for s in DeliveryStatus}} for i, b in enumerate(buckets)]
