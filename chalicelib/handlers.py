"""What the Lambda event handlers do, with their inputs already unwrapped by app.py.

The local stack's workers call the handlers in app.py itself, with Lambda-shaped events,
so the code path is the one AWS runs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from chalicelib import delivery, fanout, observability
from chalicelib.store import _dynamo
from chalicelib.store.events import from_image

log = logging.getLogger("connector.handlers")


def fan_out_records(images: Iterable[dict[str, Any] | None]) -> None:
    """Fan out each new event item of a stream batch; an error fails the batch, so the stream retries it."""
    for image in images:
        if image:
            event = from_image(_dynamo.from_item(image))
            observability.correlate(str(event.record.get("id")))
            count = fanout.fan_out(event)
            log.info("event %s (%s) -> %d subscriptions", event.record.get("id"), event.name, count)


def deliver_messages(bodies: dict[str, str]) -> dict[str, Any]:
    failed = delivery.handle_messages(bodies)
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}


def sweep() -> None:
    count = fanout.sweep()
    if count:
        log.info("sweeper queued %d due deliveries", count)
