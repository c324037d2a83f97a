"""Who is calling and whether the call is a repeat: API keys, the key's own description, and idempotency records."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable

from ..errors import ApiError
from .store import IdempotencyRecord, Obj, Response, Store

KEY_PATTERN = re.compile(r"7loc_sc_[A-Za-z0-9_-]{16,128}")
_IDEMPOTENCY_TTL_SECONDS = 24 * 3600


class Access(Store):
    def authenticate(self, authorization: str | None) -> Obj:
        if not authorization:
            raise ApiError.unauthorized("Send the API key as 'Authorization: Bearer 7loc_sc_...'.")
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not KEY_PATTERN.fullmatch(token):
            raise ApiError.unauthorized("The API key is malformed.")
        with self.lock:
            key = self.api_keys.get(token)
            if key is None:
                raise ApiError.unauthorized("The API key is unknown.")
            if key["revoked"]:
                raise ApiError.unauthorized("The API key has been revoked.")
            return dict(key)

    def idempotent(self, location_id: str, key: str, fingerprint: str, action: Callable[[], Response]) -> Response:
        """Runs `action` once per (location, key); a repeat replays its success, other input is a conflict.

        Only successes are kept: a failed request changed nothing, so it may be retried with the key.
        """
        if not 1 <= len(key) <= 255:
            raise ApiError.validation({"Idempotency-Key": "must be 1 to 255 characters."})
        with self.lock:
            record = self._idempotency.get((location_id, key))
            if record is not None and time.time() - record.stored_at > _IDEMPOTENCY_TTL_SECONDS:
                record = None
            if record is not None:
                if record.fingerprint != fingerprint:
                    raise ApiError.conflict(
                        "idempotency_conflict",
                        "This Idempotency-Key was used with another request.",
                    )
                return record.status, json.loads(record.body)
            status, body = action()
            if 200 <= status < 300:
                self._idempotency[(location_id, key)] = IdempotencyRecord(
                    fingerprint,
                    status,
                    json.dumps(body),
                    time.time(),
                )
            return status, body

    def keys(self) -> list[Obj]:
        with self.lock:
            return [{**key, "location_name": self.locations[key["location_id"]]["name"]} for key in self.api_keys.values()]

    def me(self, key: Obj) -> Obj:
        with self.lock:
            location = self.locations[key["location_id"]]
            business = self.businesses[location["business_id"]]
            return {
                "key_prefix": key["key"][:12] + "…",
                "staff_login": key["staff_login"],
                "business_id": business["id"],
                "business_name": business["name"],
                "location_id": location["id"],
                "location_name": location["name"],
            }
