"""Input types shared by the action models, and pydantic errors turned into words a marketer understands."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

from chalicelib import settings
from chalicelib.errors import ValidationFailed

_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")


def _email(value: str) -> str:
    value = value.strip()
    if not _EMAIL_RE.match(value) or len(value) > 254:
        raise ValueError("is not a valid email address, e.g. jane@example.com")
    return value.lower()


def _phone(value: str) -> str:
    """E.164, reading national numbers in DEFAULT_PHONE_REGION."""
    import phonenumbers  # heavy metadata: imported only when a phone number is given

    try:
        number = phonenumbers.parse(value, settings.get().default_phone_region)
    except phonenumbers.NumberParseException:
        raise ValueError("is not a phone number; use the international form, e.g. +15555550123") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("is not a valid phone number; use the international form, e.g. +15555550123")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _day(value: str) -> str:
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise ValueError("must be a date like 1990-05-11") from None


def _moment(value: str) -> str:
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("must be a date and time like 2026-12-31T23:59:59Z") from None
    if parsed.tzinfo is None:
        raise ValueError("must include a time zone, e.g. 2026-12-31T23:59:59Z")
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Input(BaseModel):
    """Base of every input model: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


Email = Annotated[str, AfterValidator(_email)]
Phone = Annotated[str, AfterValidator(_phone)]
Day = Annotated[str, AfterValidator(_day)]
Moment = Annotated[str, AfterValidator(_moment)]


def readable(error: dict[str, Any]) -> str:
    """One pydantic error as a sentence."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a field of this action"
    if kind == "value_error":
        return str(ctx.get("error", error.get("msg", "is not valid")))
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return error.get("msg", "is out of range").replace("Input should be", "must be")
    if kind in ("string_too_long", "string_too_short", "too_long", "too_short"):
        return error.get("msg", "has the wrong length").replace("String should have", "must have").replace("List should have", "must have")
    if kind.startswith("int") or kind.startswith("float"):
        return "must be a whole number"
    if kind.startswith("bool"):
        return "must be true or false"
    if kind == "literal_error" or kind == "enum":
        return error.get("msg", "is not one of the allowed values").replace("Input should be", "must be")
    if kind.startswith("string"):
        return "must be text"
    return str(error.get("msg", "is not valid"))


def parse(model: type[BaseModel], data: dict[str, Any]) -> BaseModel:
    """Validate input; every bad field is named in a 422."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields: dict[str, str] = {}
        for error in exc.errors():
            name = ".".join(str(p) for p in error.get("loc", ())) or "input"
            fields.setdefault(name, readable(dict(error)))
        summary = "; ".join(f"{k} {v}" for k, v in fields.items())
        raise ValidationFailed(f"Please check these fields: {summary}", fields=fields) from None
