"""The shape every event record has (what subscribers receive and polling lists), for checking samples."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class CustomerPart(BaseModel):
    """The customer object of an event record, after enrichment."""

    model_config = ConfigDict(extra="allow")
    id: str
    email: str | None = None
    phone: str | None = None
    name: str | None = None
    birthday: str | None = None


class EventRecord(BaseModel):
    """What a subscriber receives and what polling lists: 7stamp's payload plus ``id`` and ``enriched``."""

    model_config = ConfigDict(extra="allow")
    id: str
    event: str
    timestamp: str
    business_id: str
    location_id: str
    enriched: bool
    customer: CustomerPart
