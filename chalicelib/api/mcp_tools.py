"""The MCP tools, derived from the definitions, and running one for a caller.

One tool per action and search: its name is the definition's key (``add_stamp``), its
description the definition's help, its ``inputSchema`` the input model's JSON Schema (the
model's rules, such as "exactly one of voucher_id and redeem_code", are in it as ``oneOf``),
and its ``outputSchema`` the output fields. Every write also takes ``idempotency_key``.
One more tool, ``list_recent_events``, is the polling trigger: a trigger's recent events,
newest first, with that trigger's filters. A new definition is a new tool with no edit here.

A tool that fails in a way the agent can act on (a bad argument, 7stamp's refusal, a
throttle) is a result with ``isError: true`` carrying the connector's error body, so the
agent reads the message and the fields it names; only an unknown tool is a protocol error.
"""

from __future__ import annotations

import json
import logging
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from chalicelib.api import action_runner
from chalicelib.contract import limits, registry
from chalicelib.contract.definitions import ActionDefinition
from chalicelib.contract.input_types import Input, Integer
from chalicelib.errors import ConnectorError, UnknownTool

if TYPE_CHECKING:
    from chalicelib.api.http import Call

log = logging.getLogger("connector.mcp")

RECENT_EVENTS = "list_recent_events"
RECENT_EVENTS_DEFAULT = 10
IDEMPOTENCY_HELP = (
    "Something unique to this request, such as the order ID. Calling again with the same key changes nothing "
    "and returns the first result, so a retry never adds stamps twice."
)


def _object_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A model's JSON Schema as a tool's: the title (a class name) dropped, the object type stated."""
    return {"type": "object", **{k: v for k, v in schema.items() if k != "title"}}


def _output_schema(definition: ActionDefinition) -> dict[str, Any]:
    """A write's result is one object of its output fields; a search's is ``{"results": [...]}`` (MCP wants an object)."""
    from chalicelib.api.openapi import output_schema

    row = output_schema(definition.output_fields)
    if definition.kind == "create":
        return row
    return {"type": "object", "properties": {"results": {"type": "array", "items": row}}, "required": ["results"]}


def _annotations(definition: ActionDefinition) -> dict[str, Any]:
    if definition.kind == "search":
        return {"title": definition.label, "readOnlyHint": True}
    return {"title": definition.label, "readOnlyHint": False, "destructiveHint": definition.destructive, "idempotentHint": True}


def action_tool(definition: ActionDefinition) -> dict[str, Any]:
    """The tool of one action or search."""
    schema = _object_schema(definition.input_model.model_json_schema(by_alias=True))
    if definition.kind == "create":
        key = {"type": "string", "minLength": 1, "maxLength": limits.IDEMPOTENCY_KEY_MAX, "description": IDEMPOTENCY_HELP}
        schema["properties"] = {**schema.get("properties", {}), action_runner.IDEMPOTENCY_FIELD: key}
    return {
        "name": definition.key,
        "title": definition.label,
        "description": definition.help_text,
        "inputSchema": schema,
        "outputSchema": _output_schema(definition),
        "annotations": _annotations(definition),
    }


@cache
def recent_events_input() -> type[Input]:
    """The input of ``list_recent_events``: the trigger (any of the registry's), how many, and that trigger's filters."""
    names = tuple(registry.triggers())

    class RecentEventsInput(Input):
        event: Literal[names] = Field(title="Trigger", description="The trigger whose events to list; any lists every event.")  # type: ignore[valid-type]
        limit: Integer = Field(
            RECENT_EVENTS_DEFAULT, ge=limits.POLL_LIMIT_MIN, le=limits.POLL_LIMIT_MAX, title="How many", description="Newest first."
        )
        filters: dict[str, str | list[str]] | None = Field(
            None, title="Filters", description='The trigger\'s filters, e.g. {"template_id": "tpl_1"}; see the tool\'s description.'
        )

    return RecentEventsInput


def _recent_events_help() -> str:
    lines = [
        "Lists the most recent events of one trigger, newest first, each with its stable id, time, customer and card "
        "(e.g. who reached a goal today). Triggers and the filters each accepts:"
    ]
    for trigger in registry.triggers().values():
        filters = ", ".join(f.key for f in trigger.filters)
        lines.append(f"- {trigger.key}: {trigger.label}" + (f" (filters: {filters})" if filters else ""))
    return "\n".join(lines)


def recent_events_tool() -> dict[str, Any]:
    return {
        "name": RECENT_EVENTS,
        "title": "Recent events",
        "description": _recent_events_help(),
        "inputSchema": _object_schema(recent_events_input().model_json_schema(by_alias=True)),
        "outputSchema": {
            "type": "object",
            "properties": {"events": {"type": "array", "items": {"type": "object"}}},
            "required": ["events"],
        },
        "annotations": {"title": "Recent events", "readOnlyHint": True},
    }


@cache
def tools() -> list[dict[str, Any]]:
    """Every tool, in the registry's order, then the events tool (built once per process)."""
    return [*(action_tool(d) for d in registry.actions().values()), recent_events_tool()]


def _recent_events(call: Call, arguments: dict[str, Any]) -> dict[str, Any]:
    from chalicelib.contract import event_filters, input_types

    given = input_types.parse(recent_events_input(), arguments)
    name: str = given.event  # type: ignore[attr-defined]
    filters = event_filters.parse(name, given.filters)  # type: ignore[attr-defined]
    event = None if name == registry.ANY_EVENT else name
    found = call.services.events.recent(call.me.location_id, event, given.limit)  # type: ignore[attr-defined]
    records = [stored.record() for stored in found]  # one that cannot be decoded is left out, as polling does
    return {"events": [r for r in records if r is not None and event_filters.passes(name, filters, r)]}


def _result(structured: dict[str, Any]) -> dict[str, Any]:
    return {"content": [{"type": "text", "text": json.dumps(structured, default=str)}], "structuredContent": structured, "isError": False}


def error_result(error: ConnectorError) -> dict[str, Any]:
    """A failure the agent can act on: the connector's error body (code, message, the fields it names) as the tool's text."""
    return {"content": [{"type": "text", "text": json.dumps(error.body())}], "isError": True}


def call_tool(call: Call, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """Run one tool for the caller's location and return the CallToolResult; ``UnknownTool`` when none is called ``name``."""
    definition = registry.actions().get(name)
    if definition is None and name != RECENT_EVENTS:
        names = ", ".join(t["name"] for t in tools())
        raise UnknownTool(f"Unknown tool: {name[:100]!r}; the tools are {names}")
    try:
        if definition is None:
            return _result(_recent_events(call, arguments))
        with call.services.sevenstamp(call.api_key) as client:
            output = action_runner.run(
                call.services.idempotency,
                definition,
                call.me,
                client,
                arguments,
                phone_region=call.services.settings.default_phone_region,
            )
        return _result(output if definition.kind == "create" else {"results": output})
    except ConnectorError as error:
        return error_result(error)
    except Exception:
        log.exception("tool %s failed", name)
        return error_result(ConnectorError("Something went wrong on our side"))
