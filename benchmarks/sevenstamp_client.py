"""CPU per 7stamp call: a new pool (and TLS context) per call, as before, beside the process's one shared pool.

Both runs make the same ``GET /v1/me`` calls with the real ``SevenStampClient`` against
the 7stamp sandbox on 127.0.0.1 (no rate limit). Only the calling thread's CPU time is
counted (``time.thread_time``), so the sandbox answering in other threads of this
process is left out. The calls alternate between the two ways, so drift in machine load
hits both alike.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from chalicelib.sevenstamp.client import SevenStampClient, http_client

CALLS = 200


def cpu_ms(call: Callable[[], object]) -> float:
    started = time.thread_time()
    call()
    return (time.thread_time() - started) * 1000


def main() -> int:
    from sandbox import DEMO_KEY_A, Sandbox

    sandbox = Sandbox(rate_limit_per_second=None)
    url = sandbox.start("127.0.0.1", 0)
    try:
        shared = http_client(url)

        def pool_per_call() -> object:
            with http_client(url) as own:  # what every call did before: a pool and TLS context of its own
                return SevenStampClient(own, DEMO_KEY_A).me()

        def shared_pool() -> object:
            return SevenStampClient(shared, DEMO_KEY_A).me()

        shared_pool()  # the process's first call builds the shared pool, once
        before, after = [], []
        for _ in range(CALLS):
            before.append(cpu_ms(pool_per_call))
            after.append(cpu_ms(shared_pool))
        shared.close()
    finally:
        sandbox.stop()
    b, a = statistics.median(before), statistics.median(after)
    print(f"CPU of the calling thread per 7stamp call (GET /v1/me on the local sandbox), median of {CALLS}")
    print(f"  a new pool and TLS context per call (before): {b:6.2f} ms  (mean {statistics.fmean(before):6.2f})")
    print(f"  the process's shared pool (now):              {a:6.2f} ms  (mean {statistics.fmean(after):6.2f})")
    print(f"  saved per call: {b - a:.2f} ms of CPU, {b / a:.1f}x less")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
