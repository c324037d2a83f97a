"""The pydantic models of the routes' bodies, queries and answers (besides the definitions' own).

Routes name them in their ``endpoint`` declaration (``models.ref("Hook")``); the wrapper
validates requests with them and ``chalicelib.api.openapi`` writes them into the document,
so the contract has one source. Loaded on first use, not at cold start.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, RootModel, WithJsonSchema

from chalicelib.contract.event_record import EventRecord
from chalicelib.contract.input_types import EventId, Input, WholeNumber, utc_time
from chalicelib.contract.limits import (
    EVENT_ID_PATTERN,
    EVENT_ID_RE,
    EVENT_NAME_PATTERN,
    POLL_LIMIT_DEFAULT,
    POLL_LIMIT_MAX,
    POLL_LIMIT_MIN,
)
from chalicelib.store.records import DeliveryStatus


class Health(BaseModel):
    ok: bool


class Me(BaseModel):
    """The key's location: the connection test and the label a platform shows for the connection."""

    location_id: str
    location_name: str
    business_id: str
    business_name: str
    staff_login: str


class _Subscription(BaseModel):
    id: str
    event: str
    target_url: str
    filters: dict[str, list[str]]
    created_at: str = Field(json_schema_extra={"format": "date-time"})


class Hook(_Subscription):
    """A subscription as listed (no secret)."""

    disabled: bool


class NewHook(_Subscription):
    """The subscribe answer: the only time the signing secret is shown."""

    secret: str


class ConnectionHealth(BaseModel):
    """The location's link with 7stamp: its webhook registration lost and restored, its enrichment key revoked and replaced."""

    registration_missing_at: str | None
    registration_restored_at: str | None
    enrichment_key_revoked_at: str | None
    enrichment_key_replaced_at: str | None
    notices: list[str]


class HookHealth(Hook):
    """A subscription with its health: active, failing (since when) or disabled (why), its last delivery, 24 h of counts."""

    status: Literal["active", "failing", "disabled"]
    failing_since: str | None
    disabled_at: str | None
    disabled_reason: str | None
    last_delivery_at: str | None
    last_delivery_status: DeliveryStatus | None
    counts_24h: dict[str, int]
    connection: ConnectionHealth


class Hooks(RootModel[list[HookHealth]]):
    pass


class AttemptRow(BaseModel):
    """One attempt: when, the subscriber's status (or why there was none), how long it took, the first 1 KB of its answer."""

    at: str
    status_code: int | None
    error: str | None
    latency_ms: float | None = None
    answer: str | None = None
    ok: bool


class DeliveryRow(BaseModel):
    """One event's delivery to a subscription, with its attempts."""

    hook_id: str
    event_id: str
    event: str
    status: DeliveryStatus
    received_at: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    last_attempt_at: str | None
    last_latency_ms: float | None
    next_attempt_at: str | None
    history: list[AttemptRow]
    test: bool = Field(False, description="true: a test event sent from POST /v1/hooks/{id}/test (not retried or replayed).")


class DeliveryRows(RootModel[list[DeliveryRow]]):
    pass


class SampleDelivery(AttemptRow):
    """A test delivery's attempt, with the id of the sample event it sent."""

    event_id: str


def _event_id_or_moment(value: str) -> str:
    """An event id as it is; anything else must be a time (the message names both forms, as both are taken)."""
    if EVENT_ID_RE.fullmatch(value):
        return value
    try:
        return utc_time(value)
    except ValueError:
        raise ValueError("must be an event id (evt_...) or a date and time like 2026-12-31T23:59:59Z") from None


Since = Annotated[
    str,
    AfterValidator(_event_id_or_moment),
    WithJsonSchema({"anyOf": [{"type": "string", "pattern": EVENT_ID_PATTERN}, {"type": "string", "format": "date-time"}]}),
]


class ReplayRequest(Input):
    since: Since | None = Field(
        None, description="Only deliveries of events received after this event id, or after this time (2026-05-11T12:00:00Z)."
    )
    dry_run: bool = Field(False, description="true: only say how many deliveries would be sent again, send nothing.")


class Replayed(BaseModel):
    """How many failed deliveries were queued again (or with dry_run would be), and how many others still wait for a retry."""

    replayed: int | None = None
    would_replay: int | None = None
    waiting: int = Field(
        description="Deliveries not failed yet, waiting for their next scheduled attempt: replay leaves them; retry sends them now."
    )


# "page-token" is this contract's format: the opaque ``next`` of an earlier answer (a place in the list, not a pattern).
PageToken = Annotated[str, Field(max_length=200), WithJsonSchema({"type": "string", "format": "page-token", "maxLength": 200})]


class DeliveriesQuery(BaseModel):
    """``GET /v1/deliveries``: the tenant's deliveries across subscriptions, newest first, a page at a time."""

    model_config = ConfigDict(extra="ignore")
    status: DeliveryStatus | None = Field(None, description="Only deliveries in this state.")
    event: str | None = Field(None, pattern=EVENT_NAME_PATTERN, description="Only deliveries of this event, e.g. stamp_added.")
    since: Since | None = Field(None, description="Only deliveries of events received after this event id or time.")
    limit: WholeNumber = Field(POLL_LIMIT_DEFAULT, ge=POLL_LIMIT_MIN, le=POLL_LIMIT_MAX, description="How many deliveries a page.")
    page: PageToken | None = Field(None, description="The next value of an earlier answer.")


class Retried(BaseModel):
    """How many waiting deliveries were sent now, and how many have failed for good (replay sends those)."""

    retried: int
    failed: int


class PollQuery(BaseModel):
    """Polling parameters; other parameters are ignored (a platform may send its own)."""

    model_config = ConfigDict(extra="ignore")
    limit: WholeNumber = Field(POLL_LIMIT_DEFAULT, ge=POLL_LIMIT_MIN, le=POLL_LIMIT_MAX, description="How many events, newest first.")
    since: EventId | None = Field(None, description="An event id from an earlier answer: only events received after it.")
    samples: Literal["0", "1"] | None = Field(
        None, description="1: when nothing is stored yet, answer the trigger's sample marked sample: true."
    )
    settled: Literal["0", "1"] | None = Field(
        None,
        description="1: newest first, only events that no event stored later can precede (for pollers that keep their own place by "
        "time and id, as Make's watch modules do); X-Next-Cursor is the before of the next, older page when there may be one. "
        "Not used with since.",
    )
    before: EventId | None = Field(
        None, description="A settled answer's X-Next-Cursor: the next page of settled events, older than it (not used with since)."
    )


class EventRecords(RootModel[list[EventRecord]]):
    pass


class Option(BaseModel):
    id: str
    label: str


class Options(RootModel[list[Option]]):
    pass


class Received(BaseModel):
    """7stamp's delivery was stored (or was a duplicate of one stored before)."""

    id: str
    duplicate: bool


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: dict[str, Any] | None = None


class Error(BaseModel):
    """Every error answer: ``{"error": {"code", "message", "fields"?}}``."""

    error: ErrorDetail


class Document(RootModel[dict[str, Any]]):
    """A JSON object (the catalog, the OpenAPI document)."""
