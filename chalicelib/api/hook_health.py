"""How a subscription is doing, and the tenant's deliveries per hour: what the console shows first.

A subscription is ``disabled`` (with why and since when), ``failing`` (its latest attempt
failed, since the time of the first failure in a row) or ``active``. Counts are of the
deliveries of events received in the last 24 hours, by their status now. Beside it, the
location's side at 7stamp (``connection``): when 7stamp's webhook registration was last found
missing and restored, and since when the key kept for enrichment has been revoked, with
``notices`` in words the console shows as they are.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from chalicelib.api import bodies
from chalicelib.container import Services
from chalicelib.contract.cursors import cursor_at, iso, seconds_of
from chalicelib.store.records import Connection, DeliveryStatus, Subscription

WINDOW_HOURS = 24
PARALLEL_READS = 8


def status_of(sub: Subscription) -> str:
    return "disabled" if sub.disabled else "failing" if sub.failing_since is not None else "active"


def connection_health(connection: Connection | None) -> dict[str, Any]:
    """The location's link with 7stamp as an operator needs it: registration lost and restored, enrichment key revoked."""
    missing = connection.registration_missing_at if connection else None
    restored = connection.registration_restored_at if connection else None
    revoked = connection.key_dead_at if connection else None
    replaced = connection.key_replaced_at if connection and not connection.key_dead else None
    notices = []
    if revoked is not None and replaced is None:
        notices.append(
            f"enrichment key revoked since {iso(revoked)}: events go out unenriched until a working key of this location is used"
        )
    elif revoked is not None and replaced is not None:
        notices.append(f"enrichment key revoked since {iso(revoked)}, replaced at {iso(replaced)} by a working key of this location")
    if missing is not None and restored is not None and restored >= missing:
        notices.append(f"7stamp's webhook registration was found missing at {iso(missing)} and restored at {iso(restored)}")
    elif missing is not None:
        notices.append(f"7stamp's webhook registration was found missing at {iso(missing)}; registering it again")
    return {
        "registration_missing_at": iso(missing) if missing is not None else None,
        "registration_restored_at": iso(restored) if restored is not None else None,
        "enrichment_key_revoked_at": iso(revoked) if revoked is not None else None,
        "enrichment_key_replaced_at": iso(replaced) if replaced is not None else None,
        "notices": notices,
    }


def health(services: Services, sub: Subscription, connection: dict[str, Any] | None = None) -> dict[str, Any]:
    """The subscription as GET /v1/hooks shows it: no secret, with its health (one or two Queries) and its location's link.

    ``connection`` is the location's ``connection_health``, read here (one GetItem) unless given.
    """
    if connection is None:
        connection = connection_health(services.locations.get(sub.location_id))
    log = services.delivery_log
    recent = log.statuses(sub.id, cursor_at(services.clock.now() - WINDOW_HOURS * 3600))
    latest = recent[0] if recent else log.latest(sub.id)
    counts = Counter(status.value for _, status in recent)
    return bodies.hook(
        sub,
        status=status_of(sub),
        failing_since=iso(sub.failing_since) if sub.failing_since is not None else None,
        disabled_at=iso(sub.disabled_at) if sub.disabled_at is not None else None,
        disabled_reason=sub.disabled_reason if sub.disabled else None,
        last_delivery_at=iso(seconds_of(latest[0])) if latest else None,
        last_delivery_status=latest[1].value if latest else None,
        counts_24h={s.value: counts.get(s.value, 0) for s in DeliveryStatus},
        connection=connection,
    )


def healths(services: Services, subs: list[Subscription]) -> list[dict[str, Any]]:
    """health() of many subscriptions (of one location), a few reads at a time; the location is read once."""
    if not subs:
        return []
    connection = connection_health(services.locations.get(subs[0].location_id))
    with ThreadPoolExecutor(max_workers=PARALLEL_READS) as pool:
        return list(pool.map(lambda sub: health(services, sub, connection), subs))


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
