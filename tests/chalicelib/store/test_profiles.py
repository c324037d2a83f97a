"""The customer cache of enrichment: fresh for its TTL in the table, seconds in a worker's memory, per location."""

from __future__ import annotations

from unit_support import ManualClock

from chalicelib.container import Services
from chalicelib.store import Dynamo
from chalicelib.store.profiles import MEMORY_SECONDS, PROFILE_SECONDS, CustomerProfile, ProfileCache


def profile(clock: ManualClock, location_id: str = "loc_a", stamps: int = 3) -> CustomerProfile:
    return CustomerProfile(location_id, "cus_1", {"name": "Zoë", "email": "z@example.com"}, {"card_1": {"stamps": stamps}}, clock.now())


def other_worker(services: Services, clock: ManualClock) -> ProfileCache:
    """The same table seen by another worker (its own memory)."""
    return ProfileCache(Dynamo(services.aws), clock, services.settings.keys_table, PROFILE_SECONDS)


def test_a_kept_profile_comes_back_until_its_ttl(services: Services, clock: ManualClock) -> None:
    kept = profile(clock)
    services.profiles.put(kept)
    assert services.profiles.get("loc_a", "cus_1") == kept
    clock.advance(PROFILE_SECONDS - 1)
    assert services.profiles.get("loc_a", "cus_1") == kept
    clock.advance(2)
    assert services.profiles.get("loc_a", "cus_1") is None


def test_another_worker_reads_it_from_the_table(services: Services, clock: ManualClock) -> None:
    kept = profile(clock)
    services.profiles.put(kept)
    assert other_worker(services, clock).get("loc_a", "cus_1") == kept


def test_an_unknown_customer_or_another_location_is_a_miss(services: Services, clock: ManualClock) -> None:
    services.profiles.put(profile(clock))
    assert services.profiles.get("loc_a", "cus_2") is None
    assert services.profiles.get("loc_b", "cus_1") is None


def test_progress_another_worker_wrote_is_seen_once_the_memory_lapses(services: Services, clock: ManualClock) -> None:
    services.profiles.put(profile(clock, stamps=3))
    assert services.profiles.get("loc_a", "cus_1") == profile(clock, stamps=3)
    newer = profile(clock, stamps=4)
    other_worker(services, clock).put(newer)
    clock.advance(MEMORY_SECONDS + 0.5)
    assert services.profiles.get("loc_a", "cus_1") == newer


def test_progress_keeps_its_profiles_time_so_an_old_profile_still_expires(services: Services, clock: ManualClock) -> None:
    fetched = profile(clock)
    clock.advance(PROFILE_SECONDS - 10)
    services.profiles.put(CustomerProfile("loc_a", "cus_1", fetched.contact, {"card_1": {"stamps": 9}}, fetched.fetched_at))
    clock.advance(11)
    assert services.profiles.get("loc_a", "cus_1") is None
    assert other_worker(services, clock).get("loc_a", "cus_1") is None
