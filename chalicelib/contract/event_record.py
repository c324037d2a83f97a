"""The shape of an event record: what subscribers receive and what polling lists.

``EventRecord`` is the contract (the OpenAPI document's schema of a polled or delivered
event): only what the connector guarantees for any event 7stamp may send, everything
else of 7stamp's payload passes through. ``SampleRecord`` is what a trigger's sample
shows besides, checked for every definition.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.contract.limits import EVENT_NAME_MAX


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


class InboundEvent(BaseModel):
    """7stamp's webhook body, as far as the connector relies on it; every other field passes through as sent."""

    model_config = ConfigDict(extra="allow", strict=True)
    event: str = Field(min_length=1, max_length=EVENT_NAME_MAX, description=f"The event name (at most {EVENT_NAME_MAX} characters).")
    location_id: str = Field(min_length=1, max_length=100)
