"""The retry sweeper, run each minute: queues what the due index says is due.

Retries later than SQS can delay (15 minutes), replays, and as a safety net deliveries whose
queued job has not run in time. A delivery attempted at its first try never enters the index.
"""

from __future__ import annotations

from chalicelib.container import Services
from chalicelib.pipeline import jobs


def sweep(services: Services, limit_per_shard: int = 500) -> int:
    """Queue what the due index says is due (lapsed leases, retries past SQS's delay, lost jobs); returns how many."""
    deliveries = services.deliveries
    due = deliveries.due(limit_per_shard)
    queued = jobs.redeliveries(d for d, _ in due)
    if queued:
        services.queue.send(queued)
    for d, seen in due:
        deliveries.postpone_sweep(d, seen)
    return len(due)
