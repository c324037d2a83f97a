"""Receipt cursors, and times as the API shows them (ISO 8601, UTC) and takes them (an event id or a time) as a receipt cursor."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.errors import ValidationFailed
from chalicelib.store.events import cursor_of


def iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def cursor_at(seconds: float) -> str:
    """The receipt cursor just before anything received at ``seconds``."""
    return f"{int(seconds * 1000):015d}#"


def seconds_of(cursor: str) -> float:
    """When the event of a receipt cursor was received."""
    return int(cursor.split("#", 1)[0]) / 1000


def since_cursor(value: object, field: str = "since") -> str:
    """An event id or a time like 2026-05-11T12:00:00Z as a receipt cursor; anything else is a 422 naming ``field``."""
    if isinstance(value, str) and len(value) <= 100:
        cursor = cursor_of(value)
        if cursor is not None:
            return cursor
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            return cursor_at(max(0.0, moment.timestamp()))  # a time before 1970 means "everything"
    raise ValidationFailed(
        f"{field} must be an event id or a time like 2026-05-11T12:00:00Z", fields={field: "is not an event id or a time"}
    )
