"""A test delivery: the trigger's sample, marked ``"test": true``, signed with the subscription's secret, POSTed once.

It goes through the same address guard and POST as every delivery, so a passing test
means real events will arrive. Its attempt is kept in the subscription's delivery log,
marked as a test (status, latency, answer); it is not retried or replayed.
"""

from __future__ import annotations

import json
import secrets
import time

from chalicelib import observability
from chalicelib.container import Services
from chalicelib.contract import registry
from chalicelib.pipeline import delivery
from chalicelib.security import signing
from chalicelib.store.records import Attempt, DeliveryRecord, DeliveryStatus, Subscription


def send(services: Services, sub: Subscription) -> tuple[str, Attempt]:
    """POST the sample of the subscription's trigger to its target; returns the test event's id and the attempt."""
    event_id = f"test_{secrets.token_hex(10)}"
    observability.correlate(event_id)
    record = {**registry.triggers()[sub.event].sample, "id": event_id, "test": True}
    body = json.dumps(record, separators=(",", ":"))
    at = services.clock.now()
    outcome = delivery.post(services, sub.target_url, body, signing.headers(sub.secret, event_id, int(time.time()), body))
    observability.attempted(sub.id, outcome.status_code, outcome.error, outcome.latency_ms)
    attempt = Attempt(at, outcome.status_code, outcome.error, outcome.latency_ms, outcome.answer)
    received_ms = int(at * 1000)
    services.deliveries.record_test(
        DeliveryRecord(
            subscription_id=sub.id,
            location_id=sub.location_id,
            event_dedup_key=event_id,
            event_cursor=f"{received_ms:015d}#{event_id}",
            event_id=event_id,
            event=sub.event,
            status=DeliveryStatus.DELIVERED if outcome.ok else DeliveryStatus.FAILED,
            attempts=1,
            next_at=at,
            attempts_log=(attempt,),
            test=True,
        )
    )
    return event_id, attempt
