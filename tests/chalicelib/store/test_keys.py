"""The key cache: only a key's hash is kept, for at most its TTL, and a forgotten key is asked for again."""

from __future__ import annotations

import hashlib

from unit_support import ManualClock

from chalicelib.container import Services
from chalicelib.store import Dynamo
from chalicelib.store.keys import KeyCache, key_hash
from chalicelib.store.records import Tenant

TENANT = Tenant("loc_a", "Café A", "biz_1", "Biz", "staff@example.com")
KEY = "7loc_sc_aaaaaaaaaaaaaaaa"


def test_the_hash_is_the_keys_sha256() -> None:
    assert key_hash(KEY) == hashlib.sha256(KEY.encode()).hexdigest()
    assert key_hash(KEY) != key_hash(KEY + "b")


def test_a_cached_tenant_comes_back_whole_until_its_ttl(services: Services, clock: ManualClock) -> None:
    ttl = services.settings.key_cache_seconds
    assert ttl > 0
    services.key_cache.put(key_hash(KEY), TENANT)
    assert services.key_cache.get(key_hash(KEY)) == TENANT
    clock.advance(ttl - 1)
    assert services.key_cache.get(key_hash(KEY)) == TENANT
    clock.advance(1)
    assert services.key_cache.get(key_hash(KEY)) is None  # the table has not deleted it yet: expired is a miss


def test_the_table_never_holds_the_key_itself(services: Services, aws_env: dict[str, str]) -> None:
    services.key_cache.put(key_hash(KEY), TENANT)
    items = services.aws.client("dynamodb").scan(TableName=aws_env["KEYS_TABLE"])["Items"]
    assert items and KEY not in str(items)


def test_an_unknown_hash_is_a_miss(services: Services) -> None:
    assert services.key_cache.get(key_hash("7loc_sc_neverseenbefore0")) is None


def test_a_cache_with_no_lifetime_keeps_nothing(services: Services, aws_env: dict[str, str], clock: ManualClock) -> None:
    cache = KeyCache(Dynamo(services.aws), clock, aws_env["KEYS_TABLE"], 0)
    cache.put(key_hash(KEY), TENANT)
    assert cache.get(key_hash(KEY)) is None


def test_forgotten_keys_are_misses_and_others_stay(services: Services) -> None:
    other = "7loc_sc_bbbbbbbbbbbbbbbb"
    for key in (KEY, other):
        services.key_cache.put(key_hash(key), TENANT)
    services.key_cache.forget(frozenset({key_hash(KEY), key_hash("never-cached")}))
    assert services.key_cache.get(key_hash(KEY)) is None
    assert services.key_cache.get(key_hash(other)) == TENANT
