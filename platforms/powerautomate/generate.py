"""The Power Automate custom connector for a connector URL, from the catalog.

Two files, as Microsoft's ``paconn`` tool and the custom-connector wizard take them:
``apiDefinition.swagger.json`` (OpenAPI 2.0 with Microsoft's ``x-ms-*`` extensions) and
``apiProperties.json`` (the API-key connection parameter, the routing policy). Every event is an
``x-ms-trigger`` webhook operation: Power Automate POSTs the subscription with its callback URL
in the ``x-ms-notification-url`` property, keeps the ``Location`` header of the 201 answer, and
DELETEs that URL when the flow is turned off or deleted.

Swagger allows one operation per path and method, and every subscription is ``POST /v1/hooks``:
each event's trigger sits on its own path (``/v1/hooks/subscribe/<event>``) and the connector's
``routerequesttoendpoint`` policy sends them all to ``/v1/hooks``; the event travels in the body.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from platforms.common import API_KEY, IDEMPOTENCY_INPUT, Catalog, Files, action_inputs, connector_url, pascal, to_json

SECURITY = "api_key"  # the connection parameter and the security definition share this name
HOOKS = "/v1/hooks"
BRAND_COLOR = "#e8590c"
_TYPES = {
    "string": "string",
    "integer": "integer",
    "number": "number",
    "boolean": "boolean",
    "datetime": "string",
    "array": "array",
    "object": "object",
}


def subscribe_path(event: str) -> str:
    """The path of one event's trigger in the definition; the routing policy sends it to ``/v1/hooks``."""
    return f"{HOOKS}/subscribe/{event}"


def operation_id(prefix: str, key: str) -> str:
    """``On`` + ``stamp_added`` -> ``OnStampAdded``: letters and digits only, unique per operation."""
    return prefix + pascal(key)


def _schema_type(kind: str) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": _TYPES.get(kind, "string")}
    if kind == "datetime":
        schema["format"] = "date-time"
    elif kind == "array":
        schema["items"] = {"type": "string"}
    return schema


def output_schema(fields: list[dict[str, Any]]) -> dict[str, Any]:
    """Output fields as a JSON schema: a dotted path (``customer.email``) becomes a property of a nested object."""
    root: dict[str, Any] = {"type": "object", "properties": {}}
    for field in fields:
        *parents, name = field["key"].split(".")
        level = root
        for part in parents:
            level = level["properties"].setdefault(
                part, {"type": "object", "x-ms-summary": part.replace("_", " ").capitalize(), "properties": {}}
            )
        level["properties"][name] = {**_schema_type(field["type"]), "x-ms-summary": field["label"]}
    return root


def _dropdown(source: str) -> dict[str, Any]:
    """``x-ms-dynamic-values`` that fill a field from one of the connector's dropdown sources."""
    return {"operationId": operation_id("List", source), "value-path": "id", "value-title": "label"}


def input_schema(field: dict[str, Any]) -> dict[str, Any]:
    """One action input (or a trigger filter) as a schema property with its label, help and dropdown."""
    item: dict[str, Any] = _schema_type(field.get("type", "string"))
    if field.get("choices"):
        item["enum"] = list(field["choices"])
    if field.get("dynamic"):
        item["x-ms-dynamic-values"] = _dropdown(field["dynamic"])
    schema = {"type": "array", "items": item} if field.get("list") else item
    schema["x-ms-summary"] = field["label"]
    if field.get("help"):
        schema["description"] = field["help"]
    if "default" in field:
        schema["default"] = field["default"]
    visibility = "important" if field.get("required") else ("advanced" if field["key"] == IDEMPOTENCY_INPUT["key"] else None)
    if visibility:
        schema["x-ms-visibility"] = visibility
    return schema


def _filter(spec: dict[str, Any]) -> dict[str, Any]:
    """A trigger's filter: one or several wanted values, left out for every event."""
    help_text = spec["help"] or "Only events with one of these values; leave empty for every event."
    return input_schema({**spec, "type": "string", "list": True, "required": False, "help": help_text})


def _error_response() -> dict[str, Any]:
    return {"description": "The connector's error: {error: {code, message, fields}}", "schema": {"$ref": "#/definitions/Error"}}


def _trigger(trigger: dict[str, Any]) -> dict[str, Any]:
    """The webhook trigger of one event: subscribe with the callback URL, 201 with ``Location``, the record as output."""
    body = {
        "type": "object",
        "required": ["event", "target_url"],
        "properties": {
            "event": {
                "type": "string",
                "default": trigger["key"],
                "enum": [trigger["key"]],
                "x-ms-visibility": "internal",
                "x-ms-summary": "Event",
            },
            "target_url": {"type": "string", "x-ms-notification-url": True, "x-ms-visibility": "internal", "x-ms-summary": "Callback URL"},
            "filters": {"type": "object", "x-ms-summary": "Filters", "properties": {f["key"]: _filter(f) for f in trigger["filters"]}},
        },
    }
    return {
        "post": {
            "operationId": operation_id("On", trigger["key"]),
            "summary": f"When: {trigger['label']}",
            "description": trigger["help"],
            "x-ms-trigger": "single",
            "x-ms-trigger-hint": f"To see it work, make 7stamp send a {trigger['key']} event.",
            "parameters": [{"name": "body", "in": "body", "required": True, "schema": body}],
            "responses": {
                "201": {
                    "description": "The subscription; each event is POSTed to the callback URL with this body",
                    "headers": {"Location": {"type": "string", "description": "Where to DELETE the subscription"}},
                    "schema": {"$ref": f"#/definitions/{pascal(trigger['key'])}Event"},
                },
                "default": _error_response(),
            },
        }
    }


def _action(action: dict[str, Any]) -> dict[str, Any]:
    """An action (POST with a JSON body) or a search (GET with query parameters, an array of results)."""
    fields = action_inputs(action)
    name = pascal(action["key"])
    output = {"$ref": f"#/definitions/{name}Result"}
    operation: dict[str, Any] = {
        "operationId": name,
        "summary": action["label"],
        "description": action["help"],
        "responses": {
            "200": {"description": action["label"], "schema": output if action["kind"] == "create" else {"type": "array", "items": output}},
            "default": _error_response(),
        },
    }
    if action["kind"] == "create":
        body = {
            "type": "object",
            "properties": {f["key"]: input_schema(f) for f in fields},
            "required": [f["key"] for f in fields if f["required"]],
        }
        if not body["required"]:
            del body["required"]
        operation["parameters"] = [{"name": "body", "in": "body", "required": True, "schema": body}]
        return {"post": operation}
    operation["parameters"] = [_query(f) for f in fields]
    return {"get": operation}


def _query(field: dict[str, Any]) -> dict[str, Any]:
    """A search input as a query parameter (searches take single values)."""
    schema = input_schema({**field, "list": False})
    param = {"name": field["key"], "in": "query", "required": field["required"], "type": schema["type"], "x-ms-summary": field["label"]}
    for key in ("format", "enum", "default", "description", "x-ms-dynamic-values", "x-ms-visibility"):
        if key in schema:
            param[key] = schema[key]
    return param


def _option(option: dict[str, Any]) -> dict[str, Any]:
    """A dropdown source, hidden from flow builders: the ``x-ms-dynamic-values`` of the fields call it."""
    return {
        "get": {
            "operationId": operation_id("List", option["key"]),
            "summary": option["label"],
            "description": f"Lists the {option['label'].lower()} for dropdowns.",
            "x-ms-visibility": "internal",
            "responses": {
                "200": {"description": option["label"], "schema": {"type": "array", "items": {"$ref": "#/definitions/Option"}}},
                "default": _error_response(),
            },
        }
    }


def api_definition(catalog: Catalog, url: str) -> dict[str, Any]:
    """The OpenAPI 2.0 document of the connector, with Power Automate's extensions."""
    parts = urlsplit(connector_url(url))
    paths: dict[str, Any] = {
        "/v1/me": {
            "get": {
                "operationId": "Me",
                "summary": "Who the API key is",
                "description": "The location the key belongs to (tests the connection).",
                "x-ms-visibility": "internal",
                "responses": {"200": {"description": "The location", "schema": {"type": "object"}}, "default": _error_response()},
            }
        },
        f"{HOOKS}/{{id}}": {
            "delete": {
                "operationId": "DeleteSubscription",
                "summary": "Delete a subscription",
                "description": (
                    "Power Automate calls it (through the Location of the 201) when a flow with a trigger is turned off or deleted."
                ),
                "x-ms-visibility": "internal",
                "parameters": [{"name": "id", "in": "path", "required": True, "type": "string", "x-ms-summary": "Subscription ID"}],
                "responses": {"204": {"description": "Deleted"}, "default": _error_response()},
            }
        },
    }
    definitions: dict[str, Any] = {
        "Error": {
            "type": "object",
            "properties": {
                "error": {
                    "type": "object",
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "fields": {"type": "object"}},
                }
            },
        },
        "Option": {
            "type": "object",
            "properties": {"id": {"type": "string", "x-ms-summary": "ID"}, "label": {"type": "string", "x-ms-summary": "Label"}},
        },
    }
    for trigger in catalog["triggers"]:
        paths[subscribe_path(trigger["key"])] = _trigger(trigger)
        definitions[f"{pascal(trigger['key'])}Event"] = output_schema(trigger["output_fields"])
    for action in catalog["actions"]:
        paths[action["path"]] = _action(action)
        definitions[f"{pascal(action['key'])}Result"] = output_schema(action["output_fields"])
    for option in catalog["options"]:
        paths[option["path"]] = _option(option)
    return {
        "swagger": "2.0",
        "info": {
            "title": "7stamp",
            "description": "Wallet loyalty cards (stamps, rewards, vouchers) through the 7stamp connector.",
            "version": "1.0",
        },
        "host": parts.netloc,
        "basePath": parts.path or "/",
        "schemes": [parts.scheme],
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "paths": paths,
        "definitions": definitions,
        "securityDefinitions": {SECURITY: {"type": "apiKey", "in": "header", "name": "X-API-Key"}},
        "security": [{SECURITY: []}],
    }


def api_properties(catalog: Catalog) -> dict[str, Any]:
    """The connection parameter (the location's API key) and the policy that routes every trigger's subscription to ``/v1/hooks``."""
    return {
        "properties": {
            "connectionParameters": {
                SECURITY: {
                    "type": "securestring",
                    "uiDefinition": {
                        "displayName": API_KEY["label"],
                        "description": API_KEY["help"],
                        "tooltip": "Find it in 7stamp under API & Integrations.",
                        "constraints": {"tabIndex": 2, "clearText": False, "required": "true"},
                    },
                }
            },
            "iconBrandColor": BRAND_COLOR,
            "capabilities": [],
            "publisher": "7stamp connector",
            "stackOwner": "7stamp",
            "policyTemplateInstances": [
                {
                    "templateId": "routerequesttoendpoint",
                    "title": "Subscriptions go to /v1/hooks",
                    "parameters": {
                        "x-ms-apimTemplate-operationName": [operation_id("On", t["key"]) for t in catalog["triggers"]],
                        "x-ms-apimTemplateParameter.newPath": HOOKS,
                        "x-ms-apimTemplateParameter.httpMethod": "POST",
                    },
                }
            ],
        }
    }


def generate(catalog: Catalog, url: str) -> Files:
    """Both files of the custom connector for the connector at ``url``."""
    return {"apiDefinition.swagger.json": to_json(api_definition(catalog, url)), "apiProperties.json": to_json(api_properties(catalog))}
