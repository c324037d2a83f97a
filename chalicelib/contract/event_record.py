"""The shape of an event record: what subscribers receive and what polling lists.

``EventRecord`` is the contract (the OpenAPI document's schema of a polled or delivered
event): only what the connector guarantees for any event 7stamp may send, everything
else of 7stamp's payload passes through. ``SampleRecord`` is what a trigger's sample
shows besides, checked for every definition.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class EventRecord(BaseModel):
    """7stamp's payload as it came, plus ``id`` (stable, unique) and ``enriched``."""

    model_config = ConfigDict(extra="allow")
    id: str
    event: str
    location_id: str
    enriched: bool


class CustomerPart(BaseModel):
    """The customer object of an event record, after enrichment."""

    model_config = ConfigDict(extra="allow")
    id: str
    email: str | None = None
    phone: str | None = None
    name: str | None = None
    birthday: str | None = None


class SampleRecord(EventRecord):
    """A trigger's sample: a complete, enriched event of its kind."""

    timestamp: str
    business_id: str
    customer: CustomerPart
