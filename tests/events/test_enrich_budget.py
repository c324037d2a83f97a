"""Enrichment within 7stamp's budget, against a sandbox that enforces its 10 requests per second per key.

Every test counts the calls the sandbox saw with the location's key (``/_sandbox/rate``):
the connector must never be answered 429 and never start more than 5 calls in a second.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from chalicelib import container
from chalicelib.container import Services
from chalicelib.pipeline import enrich
from chalicelib.sevenstamp import pacing
from chalicelib.store import Dynamo
from chalicelib.store.pace import PaceBook
from chalicelib.store.profiles import PROFILE_SECONDS
from chalicelib.store.records import Connection, ConnectionStatus
from sandbox import DEMO_KEY_A, DEMO_LOCATION_A, Sandbox

STAFF_A = "barista@demo.example"
CUSTOMERS = 30


@pytest.fixture(scope="module", autouse=True)
def atomic_moto() -> None:
    """DynamoDB's per-item atomicity, which two workers booking the same second rely on (moto applies a write in steps)."""
    from stack import moto_atomic

    moto_atomic.install()


@pytest.fixture(scope="module")
def limited() -> Iterator[Sandbox]:
    sandbox = Sandbox()  # 10 requests per second per key, as the contract says
    sandbox.start()
    yield sandbox
    sandbox.stop()


@pytest.fixture
def budget(stack, limited: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    """The connector's 7stamp is the rate-limited sandbox, back at its seed."""
    limited.reset()
    monkeypatch.setenv("SEVENSTAMP_API_URL", str(limited.url))
    stack.rebuild()
    keys_table = stack.services.settings.keys_table  # an earlier test's wanted customers are not this one's (the sandbox reuses ids)
    stack.services.aws.client("dynamodb").delete_item(TableName=keys_table, Key={"pk": {"S": f"wanted#{DEMO_LOCATION_A}"}})
    yield limited


def connection(services: Services) -> Connection:
    blob = services.key_vault.encrypt(DEMO_KEY_A, DEMO_LOCATION_A)
    return Connection(DEMO_LOCATION_A, f"{DEMO_LOCATION_A}.token", ConnectionStatus.CONNECTED, key_blob=blob)


def seed(sandbox: Sandbox, count: int) -> list[dict[str, Any]]:
    """Customers made in the sandbox directly (no API call, nothing counted): each with its card."""
    made = []
    for i in range(count):
        _, body = sandbox.state.issue_card(
            DEMO_LOCATION_A, {"email": f"guest{i}@example.com", "name": f"Guest {i}", "birthday": "1991-02-03"}
        )
        made.append(body)
    return made


def event(holder: dict[str, Any], name: str = "card_opened", **card: Any) -> dict[str, Any]:
    return {
        "event": name,
        "timestamp": "2026-11-22T08:00:00Z",
        "business_id": "b_demo",
        "location_id": DEMO_LOCATION_A,
        "customer": {"id": holder["customer"]["id"], "language": "en"},
        "card": {"id": holder["card"]["id"], "goal_index": holder["card"]["goal_index"], **card},
    }


def usage(sandbox: Sandbox) -> dict[str, Any]:
    rows = httpx.get(f"{sandbox.url}/_sandbox/rate", timeout=5).json()["data"]
    return next(r for r in rows if r["staff_login"] == STAFF_A)


def workers(stack, count: int) -> list[Services]:
    """Other connector workers (Lambda instances): their memory tiers and pools are their own, the tables are shared."""
    return [container.from_environment(stack.services.clock) for _ in range(count)]


def test_concurrent_enrichers_on_two_workers_stay_within_half_the_budget(stack, budget: Sandbox) -> None:
    holders = seed(budget, CUSTOMERS)
    conn = connection(stack.services)
    two = workers(stack, 2)

    def run(i: int) -> enrich.Enrichment:
        return enrich.enrich(two[i % 2], conn, event(holders[i]), wait=30)

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(run, range(CUSTOMERS)))

    assert all(r.enriched and not r.retry for r in results)
    assert [r.record["customer"]["email"] for r in results] == [f"guest{i}@example.com" for i in range(CUSTOMERS)]
    assert all(r.record["card"]["stamps_required"] == 10 and r.record["card"]["stamps"] == 0 for r in results)
    seen = usage(budget)
    assert seen["throttled"] == 0
    assert seen["requests"] == CUSTOMERS  # one call per customer
    assert seen["peak_per_second"] <= pacing.PER_SECOND, seen["per_second"]


def test_a_cached_customer_costs_no_call_on_any_worker(stack, budget: Sandbox) -> None:
    [holder] = seed(budget, 1)
    conn = connection(stack.services)
    first = enrich.enrich(stack.services, conn, event(holder), wait=5)
    assert first.enriched and usage(budget)["requests"] == 1
    again = enrich.enrich(stack.services, conn, event(holder, "voucher_issued"), wait=5)
    [other] = workers(stack, 1)  # another worker: nothing in its memory, the table has it
    elsewhere = enrich.enrich(other, conn, event(holder, "lottery_played"), wait=5)
    assert again.enriched and elsewhere.enriched
    assert elsewhere.record["customer"]["name"] == "Guest 0" and elsewhere.record["card"]["stamps"] == 0
    assert usage(budget)["requests"] == 1


def test_wait_zero_never_calls_7stamp(stack, budget: Sandbox) -> None:
    [holder] = seed(budget, 1)
    result = enrich.enrich(stack.services, connection(stack.services), event(holder), wait=0)
    assert (result.enriched, result.retry) == (False, True)
    assert "email" not in result.record["customer"]
    assert usage(budget)["requests"] == 0


def test_stamp_events_keep_the_cached_progress_current_for_every_worker(stack, budget: Sandbox) -> None:
    [holder] = seed(budget, 1)
    conn = connection(stack.services)
    assert enrich.enrich(stack.services, conn, event(holder), wait=5).record["card"]["stamps"] == 0
    stamped = enrich.enrich(stack.services, conn, event(holder, "stamp_added", stamps=4, stamps_required=10), wait=0)
    assert stamped.enriched and stamped.record["card"]["stamps"] == 4
    assert stamped.record["customer"]["email"] == "guest0@example.com"
    late = enrich.enrich(
        stack.services, conn, event(holder, "stamp_added", stamps=3, stamps_required=10), wait=0
    )  # an older one, arriving late
    assert late.enriched and late.record["card"]["stamps"] == 3  # its own figure
    opened = enrich.enrich(stack.services, conn, event(holder), wait=0)
    assert opened.enriched and opened.record["card"]["stamps"] == 4  # the cache kept the newest
    [other] = workers(stack, 1)  # another worker: nothing in memory, the table has the progress
    assert enrich.enrich(other, conn, event(holder, "voucher_issued"), wait=0).record["card"]["stamps"] == 4
    assert usage(budget)["requests"] == 1


def test_an_expired_profile_is_asked_again(stack, budget: Sandbox, clock) -> None:
    [holder] = seed(budget, 1)
    conn = connection(stack.services)
    assert enrich.enrich(stack.services, conn, event(holder), wait=5).enriched
    clock.advance(PROFILE_SECONDS + 1)
    expired = enrich.enrich(stack.services, conn, event(holder), wait=0)
    assert (expired.enriched, expired.retry) == (False, True) and "email" not in expired.record["customer"]
    assert enrich.enrich(stack.services, conn, event(holder), wait=5).enriched
    assert usage(budget)["requests"] == 2


def test_a_goal_reached_since_the_cache_asks_again(stack, budget: Sandbox) -> None:
    [holder] = seed(budget, 1)
    conn = connection(stack.services)
    assert enrich.enrich(stack.services, conn, event(holder), wait=5).enriched
    budget.state.add_stamps(DEMO_LOCATION_A, holder["card"]["id"], {"count": 10})
    reached = enrich.enrich(
        stack.services, conn, {**event(holder, "goal_reached"), "card": {"id": holder["card"]["id"], "goal_index": 1}}, wait=5
    )
    assert reached.enriched and reached.record["card"]["goal_index"] == 1 and reached.record["card"]["stamps"] == 0
    assert usage(budget)["requests"] == 2


def test_7stamp_throttling_or_down_is_worth_a_retry_a_gone_customer_is_not(stack, budget: Sandbox) -> None:
    [holder] = seed(budget, 1)
    conn = connection(stack.services)
    control = httpx.Client(base_url=str(budget.url), timeout=5)
    control.post("/_sandbox/faults", json={"path_prefix": "/v1/customers", "status": 429, "retry_after": 1}).raise_for_status()
    throttled = enrich.enrich(stack.services, conn, event(holder), wait=5)
    assert (throttled.enriched, throttled.retry) == (False, True)
    control.post("/_sandbox/faults", json={"path_prefix": "/v1/customers", "status": 503}).raise_for_status()
    assert enrich.enrich(stack.services, conn, event(holder), wait=5).retry
    gone = enrich.enrich(stack.services, conn, {**event(holder), "customer": {"id": "c_nobody"}}, wait=5)
    assert (gone.enriched, gone.retry) == (False, False)
    assert enrich.enrich(stack.services, conn, {**event(holder), "customer": "not an object"}, wait=5) == enrich.Enrichment(
        {**event(holder), "customer": "not an object"}, False, False
    )
    assert enrich.enrich(stack.services, conn, event(holder), wait=5).enriched


def test_a_burst_for_one_customer_makes_one_call(stack, budget: Sandbox) -> None:
    [holder] = seed(budget, 1)
    conn = connection(stack.services)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: enrich.enrich(stack.services, conn, event(holder, "campaign_sent"), wait=5), range(8)))
    assert all(r.enriched for r in results)
    assert usage(budget)["requests"] == 1


def test_two_workers_booking_at_once_never_share_a_second_beyond_the_rate(stack) -> None:
    s = stack.services
    books = tuple(PaceBook(Dynamo(w.aws), s.clock, s.settings.keys_table, pacing.PER_SECOND) for w in workers(stack, 2))
    start = time.time()

    def book(i: int) -> list[tuple[int, int]]:
        got = []
        for _ in range(6):
            booking = books[i % 2].book("shared-key", 1 + i % 3, start + 4)
            if booking is not None:
                got.append((booking.window, booking.count))
        return got

    with ThreadPoolExecutor(max_workers=8) as pool:
        bookings = [b for found in pool.map(book, range(8)) for b in found]
    per_second: dict[int, int] = {}
    for window, count in bookings:
        per_second[window] = per_second.get(window, 0) + count
    assert bookings and max(per_second.values()) <= pacing.PER_SECOND, per_second
    assert sum(per_second.values()) >= pacing.PER_SECOND * 3  # the seconds up to the limit were handed out, not lost


def test_an_event_whose_card_has_no_id_is_enriched_with_its_customer(stack, budget: Sandbox) -> None:
    [holder] = seed(budget, 1)
    result = enrich.enrich(stack.services, connection(stack.services), {**event(holder), "card": {"goal_index": 0}}, wait=5)
    assert result.enriched and result.record["customer"]["email"] == "guest0@example.com"
    assert result.record["card"] == {"goal_index": 0}


# -- crowds of new customers: lookups in order of first need, once, each releasing its waiting events ---------------------


def stored_awaiting(services: Services, holder: dict[str, Any], number: int) -> str:
    """An event of the holder stored awaiting enrichment, as inbound stores one it could not enrich; its dedup key."""
    key = f"m#crowd-{holder['customer']['id']}-{number}"
    services.events.put_new(DEMO_LOCATION_A, key, f"{abs(hash(key)):020d}"[:20], event(holder, "card_issued"), awaiting=True)
    return key


def stored_location(services: Services) -> Connection:
    """The location as connecting stores it (the drain job reads it by id)."""
    conn = connection(services)
    services.locations.claim(DEMO_LOCATION_A, conn.token)
    services.locations.complete(DEMO_LOCATION_A, "wh_crowd", "whsec_crowd")
    services.locations.set_key_blob(DEMO_LOCATION_A, conn.key_blob or b"")
    return conn


def test_lookups_are_made_in_order_of_first_need_and_release_every_waiting_event(stack, budget: Sandbox) -> None:
    holders = seed(budget, 8)
    s = stack.services
    conn = connection(s)
    order = [holders[i] for i in (5, 2, 7, 0, 3, 6, 1, 4)]  # the order of first need, not the order of creation
    waiting = {}
    for number in range(3):  # three events per customer, all noted before any lookup
        for holder in order:
            key = stored_awaiting(s, holder, number)
            enrich.need(s, conn, holder["customer"]["id"], key)
            waiting[key] = holder
    assert s.wanted.state(DEMO_LOCATION_A)[0] == [h["customer"]["id"] for h in order]

    drained = enrich.drain(s, conn, s.clock.now() + 30, None)

    assert list(drained.landed) == [h["customer"]["id"] for h in order]  # one drainer: strictly in order
    fetched = [s.profiles.get(DEMO_LOCATION_A, h["customer"]["id"]) for h in order]
    assert all(p is not None for p in fetched)
    assert [p.fetched_at for p in fetched if p] == sorted(p.fetched_at for p in fetched if p)
    assert drained.order == [] and s.wanted.state(DEMO_LOCATION_A)[0] == []
    for key, holder in waiting.items():  # released by the lookup itself: no enrich job ran
        released = s.events.get(DEMO_LOCATION_A, key)
        assert released is not None and not released.awaiting
        assert released.record["enriched"] is True and released.record["customer"]["email"] == holder["customer"]["email"]
    seen = usage(budget)
    assert seen["requests"] == 8 and seen["throttled"] == 0 and seen["peak_per_second"] <= pacing.PER_SECOND


def test_drainers_on_two_workers_look_each_customer_up_once(stack, budget: Sandbox) -> None:
    holders = seed(budget, 15)
    conn = connection(stack.services)
    two = workers(stack, 2)
    for i, holder in enumerate(holders):
        for number in range(2):  # a second need of each customer, on the other worker: noted, not queued again
            first = enrich.need(two[(i + number) % 2], conn, holder["customer"]["id"], stored_awaiting(stack.services, holder, number))
            assert (first is not None) == (number == 0)

    with ThreadPoolExecutor(max_workers=6) as pool:
        runs = list(pool.map(lambda i: enrich.drain(two[i % 2], conn, time.time() + 30, None), range(6)))

    landed = [c for r in runs for c in r.landed]
    assert sorted(landed) == sorted(h["customer"]["id"] for h in holders)  # each customer once, across workers
    seen = usage(budget)
    assert seen["requests"] == 15 and seen["throttled"] == 0 and seen["peak_per_second"] <= pacing.PER_SECOND
    for holder in holders:
        for number in range(2):
            released = stack.services.events.get(DEMO_LOCATION_A, f"m#crowd-{holder['customer']['id']}-{number}")
            assert released is not None and not released.awaiting and released.record["enriched"] is True


def test_inbound_looks_up_its_own_customer_when_the_order_is_empty_and_waits_otherwise(stack, budget: Sandbox) -> None:
    first, second = seed(budget, 2)
    s = stack.services
    conn = connection(s)
    alone = enrich.enrich(s, conn, event(first), wait=3.0, key="m#alone")  # (an earlier test may have booked the next second)
    assert alone.enriched and alone.record["customer"]["email"] == "guest0@example.com"
    s.wanted.want(DEMO_LOCATION_A, "c_queued_before", None)
    s.wanted.append(DEMO_LOCATION_A, "c_queued_before")  # a customer 7stamp does not know, needed earlier
    behind = enrich.enrich(s, conn, event(second), wait=3.0, key="m#behind")
    assert behind.enriched  # the earlier need went first (and found nobody), then this one
    assert usage(budget)["requests"] == 3
    assert s.wanted.state(DEMO_LOCATION_A)[0] == []


def test_a_drain_job_hands_on_until_every_wanted_customer_is_looked_up(stack, budget: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.pipeline import deferred

    monkeypatch.setattr(deferred, "DRAIN_SECONDS", 0.8)  # a share of about one second's calls per job
    holders = seed(budget, 12)
    s = stack.services
    stored_location(s)
    keys = [stored_awaiting(s, h, 0) for h in holders]
    for holder, key in zip(holders, keys, strict=True):
        enrich.need(s, connection(s), holder["customer"]["id"], key)
    enrich.start_drain(s, DEMO_LOCATION_A)

    def released() -> bool:
        return all(not (e := s.events.get(DEMO_LOCATION_A, k)) or not e.awaiting for k in keys)

    jobs_run = 0
    for _ in range(40):  # bounded: each round is one receive of the enrich queue
        jobs_run += stack.worker.pump_enrich(wait=1)
        if released():
            break
    assert released() and s.wanted.state(DEMO_LOCATION_A)[0] == []
    assert jobs_run >= 2  # the first drain job could not take 12 customers in its share: it handed on
    assert usage(budget)["requests"] == 12


def test_an_event_stored_after_its_customers_lookup_landed_is_released_by_its_enrich_job(stack, budget: Sandbox) -> None:
    [holder] = seed(budget, 1)
    s = stack.services
    conn = stored_location(s)
    key = f"m#late-{holder['customer']['id']}"
    enrich.need(s, conn, holder["customer"]["id"], key)  # noted by an inbound that has not stored its event yet
    assert holder["customer"]["id"] in enrich.drain(s, conn, s.clock.now() + 10, None).landed
    s.events.put_new(DEMO_LOCATION_A, key, "late0000000000000000", event(holder), awaiting=True)  # stored just after
    for _ in range(10):  # the lookup queued an enrich job for the key it could not find, a second later
        stack.worker.pump_enrich(wait=2)
        released = s.events.get(DEMO_LOCATION_A, key)
        if released is not None and not released.awaiting:
            break
    assert released is not None and not released.awaiting and released.record["enriched"] is True
    assert usage(budget)["requests"] == 1


def test_the_safety_net_restarts_a_drain_that_stood_still(stack, budget: Sandbox, clock) -> None:
    from chalicelib.pipeline import deferred, jobs

    [holder] = seed(budget, 1)
    s = stack.services
    conn = stored_location(s)
    key = stored_awaiting(s, holder, 0)
    assert enrich.need(s, conn, holder["customer"]["id"], key) == [holder["customer"]["id"]]  # its drain job is lost
    clock.advance(deferred.STALL_SECONDS + 1)
    deferred.run(s, jobs.Job(DEMO_LOCATION_A, key, "", [], kind=jobs.ENRICH))
    for _ in range(10):
        stack.worker.pump_enrich(wait=1)
        released = s.events.get(DEMO_LOCATION_A, key)
        if released is not None and not released.awaiting:
            break
    assert released is not None and not released.awaiting and released.record["enriched"] is True
    assert usage(budget)["requests"] == 1
