"""The cache that maps an API key's SHA-256 to its location, for at most KEY_CACHE_SECONDS.

Only the hash is stored, never the key; the short life bounds how long a revoked key
keeps working on routes that do not call 7stamp themselves.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict

from chalicelib.clock import Clock
from chalicelib.store import _dynamo
from chalicelib.store.records import Tenant


def key_hash(api_key: str) -> str:
    """What the cache knows of a key: its SHA-256."""
    return hashlib.sha256(api_key.encode()).hexdigest()


class KeyCache:
    def __init__(self, db: _dynamo.Dynamo, clock: Clock, table: str, ttl_seconds: int) -> None:
        self._db = db
        self._clock = clock
        self._table = table
        self._ttl = ttl_seconds

    def get(self, key_hash: str) -> Tenant | None:
        answer = self._db.call("get_item", TableName=self._table, Key=_dynamo.to_item({"pk": key_hash}), ConsistentRead=True)
        item = answer.get("Item")
        if not item:
            return None
        values = _dynamo.from_item(item)
        if values.get("expires_at", 0) <= self._clock.now():
            return None  # TTL deletion is lazy; an expired entry is a miss
        return Tenant(**json.loads(values["tenant"]))

    def put(self, key_hash: str, tenant: Tenant) -> None:
        if self._ttl <= 0:
            return
        item = {"pk": key_hash, "tenant": json.dumps(asdict(tenant)), "expires_at": int(self._clock.now()) + self._ttl}
        self._db.call("put_item", TableName=self._table, Item=_dynamo.to_item(item))

    def forget(self, key_hashes: frozenset[str]) -> None:
        """Drop these keys' entries: their next call asks 7stamp again (a dead stored key is then replaced at once)."""
        for digest in sorted(key_hashes):
            self._db.call("delete_item", TableName=self._table, Key=_dynamo.to_item({"pk": digest}))
