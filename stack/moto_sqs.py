"""moto's SQS without its per-message walks over the whole queue, for the local stack's throughput.

Profiled under a burst (``python -m benchmarks.throughput`` under py-spy, samples of the
thread holding the GIL), moto's SQS took 39 % of the local stack's CPU: for every message
it receives it computes every queue attribute (three of them count the messages, each
check converting datetimes) to read the retention period, and its clock
(``unix_time_millis``) builds two datetimes per call, several calls per message. SQS's
behaviour is unchanged: the retention period is read from the queue directly and the
clock is the same wall-clock time, read once. ``install()`` is called by the local stack
before moto starts; calling it again changes nothing.
"""

from __future__ import annotations

import time
from typing import Any


def _unix_time(dt: Any = None) -> float:
    """moto's ``unix_time``: seconds since the epoch of a naive UTC datetime, or now."""
    from moto.core import utils

    return time.time() if dt is None else utils.unix_time(dt)


def _unix_time_millis(dt: Any = None) -> float:
    return _unix_time(dt) * 1000.0


def _retained(backend: Any, queue_name: str, message: Any) -> bool:
    """moto's retention check, reading the one attribute it needs."""
    queue = backend.get_queue(queue_name)
    return bool(int(queue.message_retention_period) + message.sent_timestamp / 1000 > time.time())


def install() -> None:
    from moto.sqs import models

    if getattr(models, "__fast_sqs__", False):
        return
    models.unix_time = _unix_time
    models.unix_time_millis = _unix_time_millis
    models.SQSBackend.is_message_valid_based_on_retention_period = _retained
    models.__fast_sqs__ = True  # type: ignore[attr-defined]
