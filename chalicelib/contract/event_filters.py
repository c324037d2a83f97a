"""Whether an event record passes a trigger's filters: one rule for fan-out and for polling.

A subscription's filters and a poll's filter parameters are the same thing (``{filter key:
wanted values}``, checked by ``subscriptions.filters_for``), so an instant trigger and its
polling twin can never disagree about which events a scenario sees.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chalicelib.contract import registry


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
