"""The connector's clock: wall-clock seconds for records, leases, retries, caches and pacing.

One ``Clock`` is part of the services, so a test moves time for every part at once by
building the services with a clock of its own, instead of patching a function.
"""

from __future__ import annotations

import time


class Clock:
    """Wall-clock seconds (``time.time``)."""

    def now(self) -> float:
        return time.time()
