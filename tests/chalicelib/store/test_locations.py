"""Locations: the registration claim, the inbound token, the stored key's life and the hourly check, as their callers see them."""

from __future__ import annotations

import pytest
from unit_support import ManualClock

from chalicelib.container import Services
from chalicelib.store.locations import CLAIM_SECONDS, SLOTS
from chalicelib.store.records import ConnectionStatus


def connected(services: Services, location_id: str, token: str, webhook_id: str = "wh_1") -> None:
    assert services.locations.claim(location_id, token) == token
    services.locations.complete(location_id, webhook_id, "whsec_1")


def test_a_missing_location_is_none(services: Services) -> None:
    assert services.locations.get("loc_nobody") is None
    assert services.locations.by_token("loc_nobody.secret") is None


def test_the_first_claim_takes_the_location_and_a_second_caller_is_refused(services: Services) -> None:
    assert services.locations.claim("loc_a", "loc_a.first") == "loc_a.first"
    assert services.locations.claim("loc_a", "loc_a.second") is None
    connection = services.locations.get("loc_a")
    assert connection is not None
    assert (connection.status, connection.token) == (ConnectionStatus.CONNECTING, "loc_a.first")


def test_a_lapsed_claim_is_taken_again_with_the_first_token(services: Services, clock: ManualClock) -> None:
    services.locations.claim("loc_a", "loc_a.first")
    clock.advance(CLAIM_SECONDS + 1)
    assert services.locations.claim("loc_a", "loc_a.second") == "loc_a.first"  # 7stamp's idempotency key stays the same


def test_a_claim_still_running_is_not_taken_over(services: Services, clock: ManualClock) -> None:
    services.locations.claim("loc_a", "loc_a.first")
    clock.advance(CLAIM_SECONDS - 1)
    assert services.locations.claim("loc_a", "loc_a.second") is None


def test_a_connected_location_is_never_claimed_again(services: Services, clock: ManualClock) -> None:
    connected(services, "loc_a", "loc_a.t")
    clock.advance(CLAIM_SECONDS * 10)
    assert services.locations.claim("loc_a", "loc_a.other") is None
    connection = services.locations.get("loc_a")
    assert connection is not None
    assert (connection.status, connection.webhook_id, connection.secret) == (ConnectionStatus.CONNECTED, "wh_1", "whsec_1")


def test_a_token_leads_to_its_own_location_only(services: Services) -> None:
    connected(services, "loc_a", "loc_a.aaaa")
    connected(services, "loc_b", "loc_b.bbbb")
    found = services.locations.by_token("loc_a.aaaa")
    assert found is not None and found.location_id == "loc_a"
    assert services.locations.by_token("loc_a.bbbb") is None  # loc_b's secret under loc_a's name
    assert services.locations.by_token("loc_b.aaaa") is None


@pytest.mark.parametrize("token", ["", ".", "loc_a", "loc_a.", ".aaaa", "loc_a.aaaa.", "loc_a.aaa", "loc_a.aaaaa", "LOC_A.aaaa"])
def test_a_malformed_or_near_miss_token_finds_nothing(services: Services, token: str) -> None:
    connected(services, "loc_a", "loc_a.aaaa")
    assert services.locations.by_token(token) is None


def test_all_lists_every_connection_but_not_the_check_slots(services: Services) -> None:
    for name in ("loc_a", "loc_b", "loc_c"):
        connected(services, name, f"{name}.t")
    services.locations.enrol("loc_a", 7)
    assert sorted(c.location_id for c in services.locations.all()) == ["loc_a", "loc_b", "loc_c"]


def test_the_stored_key_dies_once_and_names_the_cached_keys_to_forget(services: Services) -> None:
    connected(services, "loc_a", "loc_a.t")
    services.locations.set_key_blob("loc_a", b"blob-1", "hash-1")
    services.locations.set_key_blob("loc_a", b"blob-1", "hash-2")
    assert services.locations.mark_key_dead("loc_a", b"blob-1") == frozenset({"hash-1", "hash-2"})
    assert services.locations.mark_key_dead("loc_a", b"blob-1") is None  # another worker marked it first
    connection = services.locations.get("loc_a")
    assert connection is not None and connection.key_dead and connection.key_hashes == frozenset()


def test_a_key_replaced_meanwhile_is_not_marked_dead(services: Services) -> None:
    connected(services, "loc_a", "loc_a.t")
    services.locations.set_key_blob("loc_a", b"old", "hash-old")
    services.locations.set_key_blob("loc_a", b"new", "hash-new", replacing=True)
    assert services.locations.mark_key_dead("loc_a", b"old") is None
    connection = services.locations.get("loc_a")
    assert connection is not None and not connection.key_dead and connection.key_blob == b"new"


def test_a_dead_key_replaced_later_is_alive_and_can_die_again(services: Services, clock: ManualClock) -> None:
    connected(services, "loc_a", "loc_a.t")
    services.locations.set_key_blob("loc_a", b"one", "h1")
    services.locations.mark_key_dead("loc_a", b"one")
    clock.advance(5)
    services.locations.set_key_blob("loc_a", b"two", "h2", replacing=True)
    connection = services.locations.get("loc_a")
    assert connection is not None and not connection.key_dead
    clock.advance(5)
    assert services.locations.mark_key_dead("loc_a", b"two") == frozenset({"h2"})


def test_a_key_for_a_location_never_connected_is_refused(services: Services) -> None:
    from chalicelib.store._dynamo import ConditionFailed

    with pytest.raises(ConditionFailed):
        services.locations.set_key_blob("loc_ghost", b"blob", "hash")
    assert services.locations.get("loc_ghost") is None


def test_enrolment_puts_the_location_in_its_slot_once(services: Services) -> None:
    connected(services, "loc_a", "loc_a.t")
    connected(services, "loc_b", "loc_b.t")
    services.locations.enrol("loc_a", 5)
    services.locations.enrol("loc_a", 5)
    services.locations.enrol("loc_b", 5)
    assert services.locations.in_slot(5) == ["loc_a", "loc_b"]
    assert services.locations.in_slot((5 + 1) % SLOTS) == []
    connection = services.locations.get("loc_a")
    assert connection is not None and connection.scheduled


def test_the_hourly_check_is_taken_once_per_period(services: Services, clock: ManualClock) -> None:
    connected(services, "loc_a", "loc_a.t")
    assert services.locations.take_check("loc_a", 3600) is not None
    assert services.locations.take_check("loc_a", 3600) is None  # a second sweeper in the same minute
    clock.advance(3600)
    assert services.locations.take_check("loc_a", 3600) is not None


def test_a_location_still_connecting_or_missing_has_no_check(services: Services) -> None:
    services.locations.claim("loc_a", "loc_a.t")
    assert services.locations.take_check("loc_a", 3600) is None
    assert services.locations.take_check("loc_nobody", 3600) is None


def test_a_lost_registration_is_healed_by_one_caller(services: Services, clock: ManualClock) -> None:
    connected(services, "loc_a", "loc_a.t", webhook_id="wh_lost")
    assert services.locations.claim_heal("loc_a", "wh_lost")
    assert not services.locations.claim_heal("loc_a", "wh_lost")  # another check holds it
    clock.advance(CLAIM_SECONDS + 1)
    assert services.locations.claim_heal("loc_a", "wh_lost")  # the holder died: lapsed
    services.locations.healed("loc_a", "wh_lost", "wh_new", "whsec_new")
    assert not services.locations.claim_heal("loc_a", "wh_lost")  # replaced: a stale check takes nothing
    connection = services.locations.get("loc_a")
    assert connection is not None
    assert (connection.webhook_id, connection.secret) == ("wh_new", "whsec_new")
    assert connection.registration_restored_at == clock.now()


def test_a_second_heal_of_the_same_loss_changes_nothing(services: Services) -> None:
    connected(services, "loc_a", "loc_a.t", webhook_id="wh_lost")
    services.locations.healed("loc_a", "wh_lost", "wh_new", "s_new")
    services.locations.healed("loc_a", "wh_lost", "wh_other", "s_other")
    connection = services.locations.get("loc_a")
    assert connection is not None and (connection.webhook_id, connection.secret) == ("wh_new", "s_new")


def test_an_unregistered_location_keeps_no_registration_to_heal(services: Services) -> None:
    connected(services, "loc_a", "loc_a.t", webhook_id="wh_1")
    services.locations.unregistered("loc_a", "wh_other")  # not its registration: nothing changes
    connection = services.locations.get("loc_a")
    assert connection is not None and connection.webhook_id == "wh_1"
    services.locations.unregistered("loc_a", "wh_1")
    connection = services.locations.get("loc_a")
    assert connection is not None and connection.webhook_id is None
    assert not services.locations.claim_heal("loc_a", "wh_1")
