"""What a client of 7stamp must cope with besides the data: the per-key rate limit and (in tests) injected faults."""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from .errors import ApiError
from .validation import Fields

_SECONDS_KEPT = 3600  # per-second counts kept per key (an hour of a long run)


class RateLimiter:
    """A token bucket per API key: `per_second` tokens a second, as many of burst; None turns it off.

    It also counts, per key, the requests it saw in each wall-clock second and the 429s it
    answered, so a test or benchmark can show how close a client came to the limit.
    """

    def __init__(self, per_second: float | None) -> None:
        self._rate = per_second
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, when counted)
        self._seconds: dict[str, Counter[int]] = {}  # key -> {unix second: requests}
        self._throttled: Counter[str] = Counter()

    def take(self, api_key: str) -> None:
        with self._lock:
            second = int(time.time())
            counts = self._seconds.setdefault(api_key, Counter())
            counts[second] += 1
            if len(counts) > _SECONDS_KEPT:
                del counts[min(counts)]
            if self._rate is None:
                return
            capacity = max(1.0, self._rate)
            now = time.monotonic()
            tokens, last = self._buckets.get(api_key, (capacity, now))
            tokens = min(capacity, tokens + (now - last) * self._rate)
            if tokens < 1.0:
                self._buckets[api_key] = (tokens, now)
                self._throttled[api_key] += 1
                raise ApiError.rate_limited(max(1, math.ceil((1.0 - tokens) / self._rate)))
            self._buckets[api_key] = (tokens - 1.0, now)

    def usage(self, api_key: str) -> dict[str, Any]:
        """Requests made with the key, the most in one wall-clock second, and how many were answered 429."""
        with self._lock:
            counts = self._seconds.get(api_key, Counter())
            return {
                "requests": sum(counts.values()),
                "peak_per_second": max(counts.values(), default=0),
                "throttled": self._throttled[api_key],
                "per_second": {str(second): n for second, n in sorted(counts.items())},
            }

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
            self._seconds.clear()
            self._throttled.clear()


@dataclass
class Fault:
    """The next `times` requests matching method and path prefix hang, then answer `status` (None: normally)."""

    path_prefix: str
    method: str | None
    status: int | None
    retry_after: int | None
    hang_seconds: float | None
    times: int

    def matches(self, method: str, path: str) -> bool:
        return path.startswith(self.path_prefix) and self.method in (None, method)


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, body: dict[str, Any]) -> dict[str, Any]:
        fields = Fields(body)
        prefix = fields.text("path_prefix", required=True, max_length=500)
        if prefix is not None and not prefix.startswith("/"):
            fields.fail("path_prefix", "must start with '/'.")
        method = fields.text("method", max_length=10)
        status = fields.integer("status", 400, 599)
        retry_after = fields.integer("retry_after", 0, 86400)
        hang_seconds = fields.number("hang_seconds", 0, 300)
        times = fields.integer("times", 1, 10000, default=1)
        fields.done()
        assert prefix is not None and times is not None
        fault = Fault(
            path_prefix=prefix,
            method=method.upper() if method else None,
            status=500 if status is None and not hang_seconds else status,
            retry_after=retry_after,
            hang_seconds=hang_seconds,
            times=times,
        )
        with self._lock:
            self._faults.append(fault)
        return asdict(fault)

    def clear(self) -> int:
        with self._lock:
            cleared = len(self._faults)
            self._faults.clear()
            return cleared

    def take(self, method: str, path: str) -> Fault | None:
        """The first fault matching this request, used up by one."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
            return None
