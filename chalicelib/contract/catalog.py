"""The catalog of every trigger, action and search, derived from the definitions.

``GET /v1/catalog``, the OpenAPI document and the generated Zapier and Make apps all
read this, so a label changed in a definition changes every one of them.
"""

from __future__ import annotations

import typing
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel

from chalicelib.contract import event_filters, limits, registry
from chalicelib.contract.definitions import ActionDefinition, OutputField, TriggerDefinition

_JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean", list: "array", dict: "object"}


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """The base type of an annotation and whether it is a list (Optional and Annotated peeled off)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, __import__("types").UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _unwrap(inner[0])
    if origin is list:
        base, _ = _unwrap(typing.get_args(annotation)[0])
        return base, True
    return annotation, False


def input_fields(model: type[BaseModel]) -> list[dict[str, Any]]:
    """The input fields of an action, read from its pydantic model (title = label, description = help)."""
    out: list[dict[str, Any]] = []
    properties = model.model_json_schema(by_alias=True).get("properties", {})
    for name, info in model.model_fields.items():
        base, is_list = _unwrap(info.annotation)
        choices: list[str] = []
        if typing.get_origin(base) is Literal:
            choices = [str(c) for c in typing.get_args(base)]
            base = str
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        field: dict[str, Any] = {
            "key": info.alias or name,
            "label": info.title or name.replace("_", " ").capitalize(),
            "help": info.description or "",
            "type": _JSON_TYPES.get(base, "string"),
            "required": info.is_required(),
            "list": is_list,
        }
        if not info.is_required() and info.default is not None:
            field["default"] = info.default
        if choices:
            field["choices"] = choices
        if extra.get("dynamic"):
            field["dynamic"] = extra["dynamic"]
        if day_or_moment := _format(properties.get(field["key"], {})):
            field["format"] = day_or_moment  # the apps offer a date picker and send the day or moment as the contract takes it
        out.append(field)
    return out


def _format(schema: dict[str, Any]) -> str | None:
    """``date`` or ``date-time`` (a future one too) when a field's JSON schema (an optional one's ``anyOf``) declares it."""
    for option in [schema, *schema.get("anyOf", [])]:
        if option.get("format") in ("date", "date-time", "future-date-time"):
            return "date" if option["format"] == "date" else "date-time"
    return None


def _outputs(fields: tuple[OutputField, ...]) -> list[dict[str, str]]:
    return [{"key": f.key, "label": f.label, "type": f.type} for f in fields]


def trigger_entry(t: TriggerDefinition) -> dict[str, Any]:
    return {
        "key": t.key,
        "noun": t.noun,
        "label": t.label,
        "help": t.help_text,
        "filters": [
            {
                "key": f.key,
                "label": f.label,
                "path": f.path,
                "help": f.help,
                **({"choices": event_filters.choices(f)} if event_filters.choices(f) else {}),
                **({"dynamic": f.dynamic} if f.dynamic else {}),
            }
            for f in t.filters
        ],
        "output_fields": _outputs(t.output_fields),
        "sample": dict(t.sample),
        "hook": {"subscribe": "POST /v1/hooks", "unsubscribe": "DELETE /v1/hooks/{id}"},
        "poll": f"GET /v1/triggers/{t.key}",
    }


def action_entry(a: ActionDefinition) -> dict[str, Any]:
    return {
        "key": a.key,
        "kind": a.kind,
        "noun": a.noun,
        "label": a.label,
        "help": a.help_text,
        "method": "POST" if a.kind == "create" else "GET",
        "path": a.path,
        "input_fields": input_fields(a.input_model),
        "output_fields": _outputs(a.output_fields),
        "sample": dict(a.sample),
    }


OPTION_SOURCES = {
    "card-templates": "Card templates",
    "voucher-templates": "Voucher templates",
    "events": "Events",
}


@lru_cache(maxsize=1)
def catalog() -> dict[str, Any]:
    return {
        "triggers": [trigger_entry(t) for t in registry.triggers().values()],
        "actions": [action_entry(a) for a in registry.actions().values()],
        "options": [{"key": k, "label": v, "path": f"/v1/options/{k}"} for k, v in OPTION_SOURCES.items()],
        "limits": {
            "poll": {"min": limits.POLL_LIMIT_MIN, "max": limits.POLL_LIMIT_MAX, "default": limits.POLL_LIMIT_DEFAULT},
            "body_bytes": limits.MAX_BODY_BYTES,
            "idempotency_key_length": limits.IDEMPOTENCY_KEY_MAX,
        },
    }
