"""A trigger's filters, in one place: their choices, reading them from a request, and whether an event passes them.

A subscription's filters and a poll's filter parameters are the same thing (``{filter key:
wanted values}``, read by ``parse``), and fan-out and polling both ask ``passes``, so an
instant trigger and its polling twin can never disagree about which events a scenario sees.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from chalicelib.contract import registry
from chalicelib.contract.definitions import Filter
from chalicelib.errors import ValidationFailed

if TYPE_CHECKING:
    from chalicelib.store.records import EventText, Subscription


def choices(f: Filter) -> list[str]:
    """A filter's allowed values: its own, or for a filter on the event name, every event of the registry."""
    return registry.event_names() if f.path == "event" else list(f.choices)


def parse(event: str, given: Mapping[str, str | Sequence[str | None] | None] | None, prefix: str = "filters.") -> dict[str, list[str]]:
    """Filters as lists of wanted values, each checked against what the trigger accepts (a 422 names ``prefix + key``).

    A null or empty value (``None``, ``""``, ``[]``, ``[""]``) means "no filter": platforms send
    an optional filter the user left blank that way, and it must not stop the subscription.
    """
    accepted = {f.key: f for f in registry.triggers()[event].filters}
    out: dict[str, list[str]] = {}
    problems: dict[str, str] = {}
    for key, value in (given or {}).items():
        wanted = [w for w in ([value] if value is None or isinstance(value, str) else value) if w]
        definition = accepted.get(key)
        if definition is None:
            names = ", ".join(accepted) or "none"
            problems[f"{prefix}{key}"] = f"is not a filter of {event}; it accepts: {names}"
        elif not wanted:
            continue
        elif any(len(w) > 200 for w in wanted):
            problems[f"{prefix}{key}"] = "must be values of at most 200 characters"
        elif choices(definition) and any(w not in choices(definition) for w in wanted):
            problems[f"{prefix}{key}"] = f"must be one of {', '.join(choices(definition))}"
        else:
            out[key] = wanted
    if problems:
        raise ValidationFailed("Please check the filters: " + "; ".join(f"{k} {v}" for k, v in problems.items()), fields=problems)
    return out


def value_at(record: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path of an event record (``card.template_id``), or None when a part is missing."""
    value: Any = record
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def passes(trigger: str, filters: Mapping[str, Sequence[str]], record: Mapping[str, Any]) -> bool:
    """Whether ``record`` has, for every filter of ``trigger`` given, one of the wanted values; a filter the trigger lacks never passes."""
    definition = registry.triggers().get(trigger)
    paths = {f.key: f.path for f in definition.filters} if definition else {}
    for key, wanted in filters.items():
        path = paths.get(key)
        if path is None or str(value_at(record, path)) not in wanted:
            return False
    return True


def stored_passes(trigger: str, filters: Mapping[str, Sequence[str]], event: EventText) -> bool:
    """Whether a stored event passes; one that cannot be decoded does not (and fails nothing)."""
    record = event.record()
    return record is not None and passes(trigger, filters, record)


def wants(sub: Subscription, event: str, record: Mapping[str, Any]) -> bool:
    """Whether a subscription wants an event: its name (or ``any``), not disabled, every filter passing."""
    if sub.disabled or sub.event not in (event, registry.ANY_EVENT):
        return False
    return passes(sub.event, sub.filters, record)
