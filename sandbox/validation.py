"""Reading request fields: each reader records its problem, so one 422 names every bad field."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import phonenumbers

from .errors import ApiError
from .values import parse_time

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class Fields:
    """Typed readers over one JSON object, or over a query string (`query=True`: numbers come as text)."""

    def __init__(self, data: Mapping[str, Any], *, query: bool = False) -> None:
        self._data = data
        self._query = query
        self.errors: dict[str, str] = {}

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def done(self) -> None:
        if self.errors:
            raise ApiError.validation(self.errors)

    def text(self, name: str, *, required: bool = False, max_length: int = 200) -> str | None:
        value = self._data.get(name)
        if value is None:
            if required:
                self.fail(name, "is required.")
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(name, "must be a non-empty text.")
            return None
        if len(value) > max_length:
            self.fail(name, f"must be at most {max_length} characters.")
            return None
        return value.strip()

    def email(self, name: str) -> str | None:
        value = self.text(name, max_length=254)
        if value is not None and not _EMAIL.fullmatch(value):
            self.fail(name, "is not a valid email address.")
            return None
        return None if value is None else value.lower()

    def phone(self, name: str) -> str | None:
        """A phone number in E.164; numbers without a country code are read as US numbers."""
        value = self.text(name, max_length=40)
        if value is None:
            return None
        normalised = normalise_phone(value)
        if normalised is None:
            self.fail(name, "is not a phone number (write it with its country code, e.g. +14155550100).")
        return normalised

    def date(self, name: str) -> str | None:
        value = self.text(name, max_length=10)
        if value is not None and parse_date(value) is None:
            self.fail(name, "must be a date written YYYY-MM-DD.")
            return None
        return value

    def timestamp(self, name: str) -> datetime | None:
        value = self.text(name, max_length=40)
        if value is None:
            return None
        moment = parse_time(value)
        if moment is None:
            self.fail(name, "must be an RFC 3339 time with a zone, e.g. 2026-05-11T12:34:56Z.")
        return moment

    def integer(
        self,
        name: str,
        low: int,
        high: int,
        *,
        required: bool = False,
        default: int | None = None,
    ) -> int | None:
        value = self._data.get(name)
        if value is None:
            if required:
                self.fail(name, "is required.")
            return default
        if self._query and isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            self.fail(name, f"must be a whole number from {low} to {high}.")
            return None
        return value

    def number(self, name: str, low: float, high: float) -> float | None:
        value = self._data.get(name)
        if value is None:
            return None
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not low <= value <= high:
            self.fail(name, f"must be a number from {low:g} to {high:g}.")
            return None
        return float(value)

    def choice(
        self,
        name: str,
        choices: Iterable[str],
        *,
        required: bool = False,
        default: str | None = None,
    ) -> str | None:
        allowed = tuple(choices)
        value = self.text(name, required=required)
        if value is None:
            return default
        if value not in allowed:
            self.fail(name, f"must be one of: {', '.join(allowed)}.")
            return None
        return value

    def subset(self, name: str, choices: Iterable[str]) -> list[str] | None:
        """A non-empty list drawn from `choices`, duplicates dropped, order kept."""
        allowed = tuple(choices)
        value = self._data.get(name)
        if value is None:
            return None
        if not isinstance(value, list) or not value or not all(isinstance(item, str) and item in allowed for item in value):
            self.fail(name, f"must be a non-empty list drawn from: {', '.join(allowed)}.")
            return None
        return list(dict.fromkeys(value))


def normalise_phone(text: str) -> str | None:
    try:
        number = phonenumbers.parse(text, "US")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_date(text: str) -> date | None:
    if not _DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def period_bound(fields: Fields, name: str, *, end: bool) -> datetime | None:
    """A period bound given as a date (the whole day counts) or as an RFC 3339 time."""
    value = fields.text(name, max_length=40)
    if value is None:
        return None
    day = parse_date(value)
    if day is not None:
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        return start + timedelta(days=1) - timedelta(seconds=1) if end else start
    moment = parse_time(value)
    if moment is None:
        fields.fail(name, "must be a date YYYY-MM-DD or an RFC 3339 time.")
    return moment
