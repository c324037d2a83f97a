"""7stamp's side of a location kept working: a lost webhook registration is restored, a refused key is replaced.

The registration is deleted through 7stamp's own API (``DELETE /v1/webhooks/{id}``), as a merchant does in 7stamp's
admin; a key is revoked in the sandbox's state, as 7stamp does when a merchant deletes it.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import httpx
from event_support import endpoints_of, subscribe

from chalicelib.api import hook_health
from chalicelib.sevenstamp import connect
from sandbox import DEMO_KEY_A, DEMO_LOCATION_A

SECOND_KEY_A = "7loc_sc_demoA_second_staff_0123456789"


def delete_registration(stack) -> str:
    """Delete the location's one webhook registration at 7stamp; its id."""
    [endpoint] = endpoints_of(stack, DEMO_LOCATION_A)
    answer = httpx.delete(
        f"{stack.sandbox_url}/v1/webhooks/{endpoint['id']}", headers={"Authorization": f"Bearer {DEMO_KEY_A}"}, timeout=10
    )
    assert answer.status_code == 204
    assert endpoints_of(stack, DEMO_LOCATION_A) == []
    return str(endpoint["id"])


def calls_with(stack, key: str) -> int:
    """How many requests 7stamp (the sandbox) saw with this key."""
    return int(stack.sandbox.limiter.usage(key)["requests"])


def to_slot(clock, location_id: str) -> None:
    """Move the services' clock into the location's minute of the hour (the hourly check's slot)."""
    minute = int(clock.now() // 60) % 60
    clock.advance(((connect.slot_of(location_id) - minute) % 60) * 60)


def test_a_subscription_created_after_the_registration_was_deleted_still_gets_events(stack, receiver):
    with stack.client(DEMO_KEY_A) as c:
        c.get("/v1/me").raise_for_status()  # connects the location
        lost = delete_registration(stack)
        hook = subscribe(c, "card_opened", receiver.url)
        [restored] = endpoints_of(stack, DEMO_LOCATION_A)
        connection = stack.services.locations.get(DEMO_LOCATION_A)
        assert restored["id"] != lost and restored["id"] == connection.webhook_id and connection.token in restored["url"]
        stack.emit(DEMO_LOCATION_A, "card_opened", customer_id="c_demo_a")
        stack.settle()
        [got] = receiver.wait_for(1, 10)
        assert json.loads(got.body)["event"] == "card_opened"
        health = c.get(f"/v1/hooks/{hook['id']}").json()["connection"]
    assert health["registration_missing_at"] and health["registration_restored_at"]
    assert health["notices"] == [
        f"7stamp's webhook registration was found missing at {health['registration_missing_at']} "
        f"and restored at {health['registration_restored_at']}"
    ]


def test_concurrent_checks_register_a_lost_registration_once(stack):
    with stack.client(DEMO_KEY_A) as c:
        c.get("/v1/me").raise_for_status()
    delete_registration(stack)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: connect.check_on_subscribe(stack.services, DEMO_LOCATION_A, DEMO_KEY_A), range(8)))
    assert len(endpoints_of(stack, DEMO_LOCATION_A)) == 1
    connect.check_on_subscribe(stack.services, DEMO_LOCATION_A, DEMO_KEY_A)  # present now: nothing more
    assert len(endpoints_of(stack, DEMO_LOCATION_A)) == 1


def test_the_hourly_check_alone_restores_the_flow_with_one_call_per_location_per_hour(stack, receiver, clock):
    with stack.client(DEMO_KEY_A) as c:
        subscribe(c, "card_opened", receiver.url)
    delete_registration(stack)
    stack.emit(DEMO_LOCATION_A, "card_opened", customer_id="c_demo_a")
    stack.settle()
    assert receiver.received == []  # 7stamp has nowhere to send it

    clock.advance(60 * 60)
    to_slot(clock, DEMO_LOCATION_A)
    before = calls_with(stack, DEMO_KEY_A)
    stack.worker.sweep()
    assert calls_with(stack, DEMO_KEY_A) == before + 2  # the check (GET /v1/webhooks) and the registration
    assert len(endpoints_of(stack, DEMO_LOCATION_A)) == 1
    for _ in range(3):
        stack.worker.sweep()  # sweeps again within the minute: the check was taken
    assert calls_with(stack, DEMO_KEY_A) == before + 2
    clock.advance(5 * 60)
    stack.worker.sweep()  # another minute: not this location's
    assert calls_with(stack, DEMO_KEY_A) == before + 2

    stack.emit(DEMO_LOCATION_A, "card_opened", customer_id="c_demo_a")
    stack.settle()
    assert len(receiver.wait_for(1, 10)) == 1

    clock.advance(55 * 60)
    to_slot(clock, DEMO_LOCATION_A)
    before = calls_with(stack, DEMO_KEY_A)  # the event's enrichment made one
    stack.worker.sweep()  # the next hour's check: one call, the registration is there
    assert calls_with(stack, DEMO_KEY_A) == before + 1
    assert len(endpoints_of(stack, DEMO_LOCATION_A)) == 1


def revoke(stack, key: str) -> None:
    with stack.sandbox.state.lock:
        stack.sandbox.state.api_keys[key]["revoked"] = True


def add_key(stack, key: str, location_id: str) -> None:
    with stack.sandbox.state.lock:
        stack.sandbox.state.api_keys[key] = {"key": key, "location_id": location_id, "staff_login": "second@demo.example", "revoked": False}


def test_a_revoked_stored_key_is_marked_dead_used_no_more_and_replaced_by_the_next_working_key(stack, receiver):
    with stack.client(DEMO_KEY_A) as c:
        hook = subscribe(c, "card_opened", receiver.url)
    revoke(stack, DEMO_KEY_A)
    stack.emit(DEMO_LOCATION_A, "card_opened", customer_id="c_demo_a")
    stack.settle()
    [first] = receiver.wait_for(1, 10)
    assert json.loads(first.body)["enriched"] is False  # out at once, not after the bounded wait
    connection = stack.services.locations.get(DEMO_LOCATION_A)
    assert connection.key_dead
    health = hook_health.connection_health(connection)
    assert health["notices"] == [
        f"enrichment key revoked since {health['enrichment_key_revoked_at']}: "
        "events go out unenriched until a working key of this location is used"
    ]

    used = calls_with(stack, DEMO_KEY_A)
    for customer in ("c_demo_a", "c_demo_a"):
        stack.emit(DEMO_LOCATION_A, "card_opened", customer_id=customer)
    stack.settle()
    later = receiver.wait_for(3, 10)
    assert [json.loads(d.body)["enriched"] for d in later] == [False, False, False]
    assert calls_with(stack, DEMO_KEY_A) == used  # no call with the dead key

    with stack.client(DEMO_KEY_A) as c:
        assert c.get("/v1/me").status_code == 401  # its cached entry was forgotten: 7stamp is asked, and refuses it
    add_key(stack, SECOND_KEY_A, DEMO_LOCATION_A)
    with stack.client(SECOND_KEY_A) as c:
        health = c.get(f"/v1/hooks/{hook['id']}").json()["connection"]
    assert health["enrichment_key_replaced_at"] and health["notices"] == [
        f"enrichment key revoked since {health['enrichment_key_revoked_at']}, "
        f"replaced at {health['enrichment_key_replaced_at']} by a working key of this location"
    ]
    stack.emit(DEMO_LOCATION_A, "card_opened", customer_id="c_demo_a")
    stack.settle()
    last = receiver.wait_for(4, 10)[-1]
    assert json.loads(last.body)["enriched"] is True
    assert calls_with(stack, SECOND_KEY_A) >= 2  # /v1/me, then the enrichment call with the new stored key


def test_a_working_key_already_cached_replaces_a_dead_one_at_its_next_call(stack):
    """The key cache forgets every key of the location when its stored key dies, so a cached working key asks 7stamp."""
    add_key(stack, SECOND_KEY_A, DEMO_LOCATION_A)
    with stack.client(SECOND_KEY_A) as c:
        c.get("/v1/me").raise_for_status()
    with stack.client(DEMO_KEY_A) as c:
        c.get("/v1/me").raise_for_status()  # the stored key is now DEMO_KEY_A
    connect.key_refused(stack.services, stack.services.locations.get(DEMO_LOCATION_A))
    assert stack.services.locations.get(DEMO_LOCATION_A).key_dead
    with stack.client(SECOND_KEY_A) as c:
        c.get("/v1/hooks").raise_for_status()
    connection = stack.services.locations.get(DEMO_LOCATION_A)
    assert not connection.key_dead and connect.stored_key(stack.services, connection) == SECOND_KEY_A
