"""Enrichment within 7stamp's budget, against a sandbox that enforces its 10 requests per second per key.

Every test counts the calls the sandbox saw with the location's key (``/_sandbox/rate``):
the connector must never be answered 429 and never start more than 5 calls in a second.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from chalicelib import container
from chalicelib.container import Services
from chalicelib.pipeline import enrich, enrich_jobs, jobs, lookups
from chalicelib.sevenstamp import pacing
from chalicelib.store import Dynamo
from chalicelib.store.pace import PaceBook
from chalicelib.store.profiles import PROFILE_SECONDS
from chalicelib.store.records import Connection, ConnectionStatus, StoredEvent
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

    def book(i: int) -> list[int]:
        got: list[int] = []
        for _ in range(6):
            got.extend(s for s in books[i % 2].book("shared-key", [start + 4] * (1 + i % 3)) if s is not None)
        return got

    with ThreadPoolExecutor(max_workers=8) as pool:
        seconds = [second for found in pool.map(book, range(8)) for second in found]
    per_second: dict[int, int] = {}
    for second in seconds:
        per_second[second] = per_second.get(second, 0) + 1
    assert seconds and max(per_second.values()) <= pacing.PER_SECOND, per_second
    assert sum(per_second.values()) >= pacing.PER_SECOND * 3  # the seconds up to the limit were handed out, not lost


def test_one_write_books_a_run_of_calls_across_seconds_first_come_first_served(stack) -> None:
    s = stack.services
    book = PaceBook(Dynamo(s.aws), s.clock, s.settings.keys_table, pacing.PER_SECOND)
    now = s.clock.now()
    asked = [now + 60] * 12 + [now - 1] + [now + 60] * 3  # one asker whose latest has passed already
    seconds = book.book("run-key", asked)
    got = [x for x in seconds if x is not None]
    assert seconds[12] is None and len(got) == 15
    assert got == sorted(got)  # in the order asked
    per_second = {x: got.count(x) for x in got}
    assert max(per_second.values()) <= pacing.PER_SECOND and len(per_second) == 3  # 15 calls: three full seconds
    later = book.book("run-key", [now + 60])  # the next asker gets the second after the run
    assert later[0] is not None and later[0] == max(got) + 1


def test_an_event_whose_card_has_no_id_is_enriched_with_its_customer(stack, budget: Sandbox) -> None:
    [holder] = seed(budget, 1)
    result = enrich.enrich(stack.services, connection(stack.services), {**event(holder), "card": {"goal_index": 0}}, wait=5)
    assert result.enriched and result.record["customer"]["email"] == "guest0@example.com"
    assert result.record["card"] == {"goal_index": 0}


def connect_location(stack, sandbox: Sandbox) -> int:
    """Connect location A as a user's first call does (its key kept for enrichment); the key's requests so far."""
    with stack.client(DEMO_KEY_A) as c:
        c.get("/v1/me").raise_for_status()
    return int(usage(sandbox)["requests"])


def store_awaiting(services: Services, holder: dict[str, Any], n: int) -> StoredEvent:
    """An event stored as inbound stores one it could not enrich within its second (awaiting its customer)."""
    payload = event(holder, "stamp_added" if n % 2 else "card_opened")
    key = f"m#lookup-test-{holder['customer']['id']}-{n}"
    services.events.put_new(DEMO_LOCATION_A, key, f"{n:020d}", payload, awaiting=True)
    stored = services.events.get(DEMO_LOCATION_A, key)
    assert stored is not None and stored.awaiting
    return stored


def queued_lookups(services: Services, wait: int) -> list[tuple[jobs.Job, str]]:
    """The jobs on the lookup lane now (waiting up to ``wait`` s for one), with their receipt handles."""
    sqs = services.aws.client("sqs")
    answer = sqs.receive_message(QueueUrl=services.queue.lookup_url(), MaxNumberOfMessages=10, WaitTimeSeconds=wait)
    found = [(jobs.Job.loads(m["Body"]), m["ReceiptHandle"]) for m in answer.get("Messages", [])]
    return [(j, handle) for j, handle in found if j.kind is jobs.JobKind.ENRICH]


def released(services: Services, events: list[StoredEvent]) -> list[dict[str, Any]]:
    """The final records of the events released so far."""
    now = [services.events.get(e.location_id, e.dedup_key) for e in events]
    return [json.loads(e.text) for e in now if e is not None and not e.awaiting]


def run_lookups_only(two: list[Services], events: list[StoredEvent], bound_s: float) -> int:
    """Run the jobs of the lookup lane (on either worker) until every event is released; the delivery queue's (an
    event's check that its lookup landed) are left queued. Returns the lookup jobs run. Bounded in time."""
    made = 0
    deadline = time.monotonic() + bound_s
    while len(released(two[0], events)) < len(events) and time.monotonic() < deadline:
        for job, handle in queued_lookups(two[0], wait=1):
            assert job.lookup_at  # the lane holds booked lookups only
            enrich_jobs.run(two[made % 2], job)
            made += 1
            two[0].aws.client("sqs").delete_message(QueueUrl=two[0].queue.lookup_url(), ReceiptHandle=handle)
    return made


def test_a_crowd_is_looked_up_once_per_customer_in_order_of_need_and_released_when_each_lands(stack, budget: Sandbox) -> None:
    """Three events each for eight first-seen customers, on two workers: eight calls in the order the customers were first
    needed, and every event released by its customer's lookup (no event waits for a timer of its own)."""
    holders = seed(budget, 8)
    before = connect_location(stack, budget)
    two = workers(stack, 2)
    events = [store_awaiting(stack.services, holders[n % 8], n) for n in range(24)]
    for n, stored in enumerate(events):  # the events' first tries, in the order they were received, alternately on each worker
        enrich_jobs.run(two[n % 2], jobs.enrichment(stored))
    lookups_run = run_lookups_only(two, events, bound_s=30)

    records = released(stack.services, events)
    assert len(records) == 24 and all(r["enriched"] for r in records)
    assert {r["customer"]["email"] for r in records} == {f"guest{i}@example.com" for i in range(8)}
    assert lookups_run <= 8  # a booked lookup's job is queued once per customer (the first in line may run it at once)
    seen = usage(budget)
    assert seen["requests"] - before == 8 and seen["throttled"] == 0 and seen["peak_per_second"] <= pacing.PER_SECOND
    fetched = [stack.services.profiles.get(DEMO_LOCATION_A, h["customer"]["id"]) for h in holders]
    assert all(p is not None for p in fetched)
    times = [p.fetched_at for p in fetched if p is not None]
    assert times == sorted(times)  # looked up in the order the customers were first needed


def test_a_lookup_whose_worker_died_is_taken_over_by_the_next_event_that_needs_the_customer(stack, budget: Sandbox, clock) -> None:
    [holder] = seed(budget, 1)
    services = stack.services
    before = connect_location(stack, budget)
    customer = holder["customer"]["id"]
    assert services.profiles.take_lookup(DEMO_LOCATION_A, customer, int(clock.now()), stale_before=clock.now() - 60)  # then it died
    stored = store_awaiting(services, holder, 1)
    enrich_jobs.run(services, jobs.enrichment(stored))
    assert released(services, [stored]) == [] and usage(budget)["requests"] == before  # booked by another: it waits for it
    clock.advance(lookups.LOOKUP_STALE + 1)
    enrich_jobs.run(services, jobs.enrichment(stored))  # the job's check comes back: the lookup went stale
    run_lookups_only([services, services], [stored], bound_s=15)
    [record] = released(services, [stored])
    assert record["enriched"] and record["customer"]["email"] == "guest0@example.com"
    assert usage(budget)["requests"] == before + 1
