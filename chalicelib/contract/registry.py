"""Collects the definitions in ``triggers/`` and ``actions/``, keyed by file name.

Adding an event or an action is one new module; a module whose key does not match its
file name, or a second definition of a key, is refused at load time.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from types import ModuleType
from typing import Any

from chalicelib.contract.definitions import ActionDefinition, TriggerDefinition

ANY_EVENT = "any"


def _load(package: ModuleType, kind: type[Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        definition = getattr(module, "DEFINITION", None)
        if not isinstance(definition, kind):
            raise TypeError(f"{module.__name__} must define DEFINITION as a {kind.__name__}")
        if definition.key != info.name:
            raise ValueError(f"{module.__name__}: key {definition.key!r} must equal the file name")
        if definition.key in found:
            raise ValueError(f"duplicate definition {definition.key!r}")
        found[definition.key] = definition
    return found


@lru_cache(maxsize=1)
def triggers() -> dict[str, TriggerDefinition]:
    """Every trigger, the 13 events and ``any``, in file-name order."""
    import triggers as package

    return _load(package, TriggerDefinition)


@lru_cache(maxsize=1)
def actions() -> dict[str, ActionDefinition]:
    """Every action and search, in file-name order."""
    import actions as package

    return _load(package, ActionDefinition)


def event_names() -> list[str]:
    """The canonical 7stamp event names (every trigger but ``any``)."""
    return [key for key in triggers() if key != ANY_EVENT]


def action_by_path(kind: str, slug: str) -> ActionDefinition | None:
    """The definition behind ``/v1/actions/{slug}`` or ``/v1/searches/{slug}``."""
    for definition in actions().values():
        if definition.kind == kind and definition.slug == slug:
            return definition
    return None
