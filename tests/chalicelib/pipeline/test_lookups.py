"""Customer lookups against moto's DynamoDB and the 7stamp sandbox: what a booked lookup does when 7stamp answers, has no
such customer, fails for now, or when its worker gets to it after its second."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.container import Services
from chalicelib.pipeline import lookups
from chalicelib.pipeline.lookups import Made
from chalicelib.store.pace import Booking
from chalicelib.store.records import Connection, StoredEvent
from sandbox import DEMO_KEY_A, DEMO_LOCATION_A

DEMO_CUSTOMER = "c_demo_a"  # a customer of location A in the sandbox's seed


def connected(stack) -> Connection:
    """Location A connected as a user's first call connects it (its key kept for enrichment)."""
    with stack.client(DEMO_KEY_A) as c:
        c.get("/v1/me").raise_for_status()
    connection = stack.services.locations.get(DEMO_LOCATION_A)
    assert connection is not None and connection.key_blob is not None
    return connection


def waiting_event(services: Services, customer_id: str, n: int) -> StoredEvent:
    """An event stored awaiting enrichment whose key is kept with its customer (as its enrich job leaves it)."""
    payload: dict[str, Any] = {"event": "card_opened", "location_id": DEMO_LOCATION_A, "customer": {"id": customer_id}}
    key = f"m#lookups-{customer_id}-{n}"
    services.events.put_new(DEMO_LOCATION_A, key, f"{n:020d}", payload, awaiting=True)
    wanted = services.profiles.want(DEMO_LOCATION_A, customer_id, key, services.clock.now() + 120)
    assert wanted.waiting and wanted.profile is None
    stored = services.events.get(DEMO_LOCATION_A, key)
    assert stored is not None
    return stored


def record_of(services: Services, event: StoredEvent) -> dict[str, Any] | None:
    """The event's final record once released; None while it still waits."""
    now = services.events.get(event.location_id, event.dedup_key)
    return json.loads(now.text) if now is not None and not now.awaiting else None


def test_a_lookup_that_lands_releases_every_waiting_event_enriched(stack) -> None:
    services = stack.services
    connection = connected(stack)
    events = [waiting_event(services, DEMO_CUSTOMER, n) for n in range(3)]
    booking = lookups.book(services, connection, DEMO_CUSTOMER, services.clock.now() + 5)
    assert booking is not None
    assert lookups.book(services, connection, DEMO_CUSTOMER, services.clock.now() + 5) is None  # booked: nobody else calls
    made, profile = lookups.run(services, connection, DEMO_CUSTOMER, booking, services.clock.now() + 5)
    assert made is Made.LANDED and profile is not None and profile.contact["email"]
    records = [record_of(services, e) for e in events]
    assert all(r is not None and r["enriched"] and r["customer"]["email"] == profile.contact["email"] for r in records)


def test_a_customer_7stamp_does_not_have_releases_its_waiting_events_unenriched(stack) -> None:
    services = stack.services
    connection = connected(stack)
    events = [waiting_event(services, "c_nobody", n) for n in range(2)]
    booking = lookups.book(services, connection, "c_nobody", services.clock.now() + 5)
    assert booking is not None
    made, _ = lookups.run(services, connection, "c_nobody", booking, services.clock.now() + 5)
    assert made is Made.GONE
    records = [record_of(services, e) for e in events]
    assert all(r is not None and r["enriched"] is False and r["customer"] == {"id": "c_nobody"} for r in records)


def test_7stamp_failing_for_now_frees_the_lookup_and_keeps_the_events_waiting(stack) -> None:
    services = stack.services
    connection = connected(stack)
    [event] = [waiting_event(services, DEMO_CUSTOMER, 0)]
    stack.fault(path_prefix="/v1/customers", method="GET", status=503, times=1)
    booking = lookups.book(services, connection, DEMO_CUSTOMER, services.clock.now() + 5)
    assert booking is not None
    made, _ = lookups.run(services, connection, DEMO_CUSTOMER, booking, services.clock.now() + 5)
    assert made is Made.NOT_MADE and record_of(services, event) is None
    again = lookups.book(services, connection, DEMO_CUSTOMER, services.clock.now() + 5)  # freed: the next try books it
    assert again is not None
    assert lookups.run(services, connection, DEMO_CUSTOMER, again, services.clock.now() + 5)[0] is Made.LANDED
    assert record_of(services, event) is not None  # the key it left was kept for the lookup that landed


def test_a_lookup_whose_second_passed_moves_to_a_free_one_soon_or_is_freed(stack) -> None:
    services = stack.services
    connection = connected(stack)
    now = services.clock.now()
    missed = Booking(int(now) - 3)
    assert services.profiles.take_lookup(DEMO_LOCATION_A, DEMO_CUSTOMER, missed.window, stale_before=now - 60)
    made, _ = lookups.run(services, connection, DEMO_CUSTOMER, missed, latest=now - 1)  # no second left to move to
    assert made is Made.NOT_MADE
    assert services.profiles.take_lookup(DEMO_LOCATION_A, DEMO_CUSTOMER, missed.window, stale_before=now - 60)  # it was freed
    made, profile = lookups.run(services, connection, DEMO_CUSTOMER, missed, latest=now + 5)
    assert made is Made.LANDED and profile is not None  # moved to a free second within reach, then made
