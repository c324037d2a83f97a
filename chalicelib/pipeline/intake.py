"""7stamp's webhook deliveries: verify, check the location, deduplicate, enrich, store.

Storing is the hand-off: the events table's stream runs fan-out for every new item, so
an event cannot be stored yet never delivered. Nothing is stored for a request that
fails any check. An event that could not be enriched within ENRICH_WAIT_INBOUND is
stored awaiting enrichment: fan-out queues an enrich job for it (enrich_jobs.py), which enriches or releases it before any delivery.
A duplicate is found by the conditional write itself, not by a read before it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from typing import Any

from chalicelib import observability
from chalicelib.container import Services
from chalicelib.errors import BadRequest, Forbidden, NotFound, Unauthorized
from chalicelib.pipeline import enrich
from chalicelib.security import auth, signing, strict_json

ENRICH_WAIT_INBOUND = 1.0  # 7stamp's webhook gets its 2xx within a second or two; what is not enriched by then is enriched later

log = logging.getLogger("connector.inbound")


def dedup_key(webhook_id: str | None, payload: dict[str, Any]) -> str:
    """A hash of the whole webhook-id when 7stamp sent one (any length fits the key), else of the canonical body."""
    if webhook_id:
        return "m#" + hashlib.sha256(webhook_id.encode("utf-8", "surrogatepass")).hexdigest()
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return "h#" + hashlib.sha256(canonical.encode()).hexdigest()


def receive(services: Services, token: str, raw_body: bytes, headers: Mapping[str, str]) -> tuple[str, bool]:
    """Handle one delivery; returns the event id and whether it was new (False for a duplicate)."""
    connection = services.locations.by_token(token) if 16 <= len(token) <= 300 else None
    if connection is None:
        raise NotFound("Unknown inbound address")
    if not connection.secret:
        raise Unauthorized("This location's connection is not complete yet")
    signing.verify(connection.secret, raw_body, headers)
    payload = strict_json.loads(raw_body)
    if not isinstance(payload, dict):
        raise BadRequest("The body must be a JSON object with an event name")
    from chalicelib.contract import event_spelling, input_types
    from chalicelib.contract.event_record import InboundEvent  # pydantic loads with the first event, not at cold start

    input_types.parse(InboundEvent, payload)
    payload["event"] = event_spelling.inbound(payload["event"])  # before the dedup key: STAMP_ADDED and stamp_added are one event
    if payload.get("location_id") != connection.location_id:
        raise Forbidden("The event belongs to another location")
    auth.check_allowed(services.settings, connection.location_id, str(payload.get("business_id") or ""))  # before enrichment
    lowered = {k.lower(): v for k, v in headers.items()}
    key = dedup_key(lowered.get("webhook-id"), payload)
    result = enrich.enrich(services, connection, payload, wait=ENRICH_WAIT_INBOUND)
    record = {**result.record, "enriched": result.enriched}
    digest = hashlib.sha256(f"{connection.location_id}|{key}".encode()).hexdigest()[:20]
    awaiting = result.retry and not result.enriched
    event_id, new = services.events.put_new(connection.location_id, key, digest, record, awaiting=awaiting)
    observability.correlate(event_id)
    log.info(
        "received a %s event",
        str(payload["event"])[:100],
        extra={"event": str(payload["event"])[:100], "location_id": connection.location_id},
    )
    observability.metric("Enrichment", result="done" if result.enriched else "deferred" if awaiting else "failed")
    if new:
        observability.metric("EventsReceived")
    return event_id, new
