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

from platforms.common import (
    API_KEY,
    IDEMPOTENCY_INPUT,
    Catalog,
    Files,
    action_inputs,
    connector_url,
    key_help,
    pascal,
    sentence,
    to_json,
    when,
)
from platforms.listing import icons, publisher, scenarios

SECURITY = "api_key"  # the connection parameter and the security definition share this name
HOOKS = "/v1/hooks"
ICON_SIZE = 230  # Microsoft's certification asks for a 230x230 PNG icon on the brand colour
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
            summary = part.replace("_", " ").capitalize()
            level = level["properties"].setdefault(
                part, {"type": "object", "x-ms-summary": summary, "description": described(summary), "properties": {}}
            )
        level["properties"][name] = {
            **_schema_type(field["type"]),
            "x-ms-summary": field["label"],
            "description": described(field["label"]),
        }
    return root


def described(label: str) -> str:
    """An output's description from its label (``Customer email`` -> ``The customer email.``): the definitions give outputs a label only."""
    text = sentence(label)
    first = text.split(" ")[0]
    return f"The {text if first.isupper() and len(first) > 1 else text[:1].lower() + text[1:]}."


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


def trigger_hint(label: str) -> str:
    """What to do in 7stamp to see the trigger fire, in words (``wait until a stamp is added in 7stamp``)."""
    return f"To see it work, wait until {when(label).removeprefix('When ')} in 7stamp."


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
                "description": "The event this trigger subscribes to.",
            },
            "target_url": {
                "type": "string",
                "x-ms-notification-url": True,
                "x-ms-visibility": "internal",
                "x-ms-summary": "Callback URL",
                "description": "Where the connector posts each event.",
            },
            "filters": {
                "type": "object",
                "x-ms-summary": "Filters",
                "description": "Only events that match these; leave them empty for every event.",
                "properties": {f["key"]: _filter(f) for f in trigger["filters"]},
            },
        },
    }
    return {
        "post": {
            "operationId": operation_id("On", trigger["key"]),
            "summary": when(trigger["label"]),
            "description": trigger["help"],
            "x-ms-trigger": "single",
            "x-ms-trigger-hint": trigger_hint(trigger["label"]),
            "parameters": [
                {
                    "name": "body",
                    "in": "body",
                    "required": True,
                    "x-ms-summary": "Subscription",
                    "description": "The subscription.",
                    "schema": body,
                }
            ],
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
        "summary": sentence(action["label"]),
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
        operation["parameters"] = [
            {
                "name": "body",
                "in": "body",
                "required": True,
                "x-ms-summary": "Input",
                "description": f"What to {action['noun'].lower()} with.",
                "schema": body,
            }
        ]
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


def api_definition(catalog: Catalog, url: str, listing: publisher.Listing | None = None) -> dict[str, Any]:
    """The OpenAPI 2.0 document of the connector, with Power Automate's extensions and the publisher's metadata."""
    listing = listing or publisher.load()
    parts = urlsplit(connector_url(url))
    paths: dict[str, Any] = {
        "/v1/me": {
            "get": {
                "operationId": "Me",
                "summary": "Who the API key is",
                "description": "The location the key belongs to (tests the connection).",
                "x-ms-visibility": "internal",
                "responses": {
                    "200": {
                        "description": "The location",
                        "schema": {
                            "type": "object",
                            "properties": {
                                "location_id": {"type": "string", "x-ms-summary": "Location ID", "description": "The location's id."},
                                "location_name": {"type": "string", "x-ms-summary": "Location name", "description": "The location's name."},
                            },
                        },
                    },
                    "default": _error_response(),
                },
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
                "parameters": [
                    {
                        "name": "id",
                        "in": "path",
                        "required": True,
                        "type": "string",
                        "x-ms-summary": "Subscription ID",
                        "description": "The subscription to delete.",
                    }
                ],
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
                    "x-ms-summary": "Error",
                    "description": "What went wrong.",
                    "properties": {
                        "code": {"type": "string", "x-ms-summary": "Code", "description": "The error's code, e.g. not_found."},
                        "message": {"type": "string", "x-ms-summary": "Message", "description": "The error in words."},
                        "fields": {
                            "type": "object",
                            "x-ms-summary": "Fields",
                            "description": "Each input field at fault, with the reason.",
                        },
                    },
                }
            },
        },
        "Option": {
            "type": "object",
            "properties": {
                "id": {"type": "string", "x-ms-summary": "ID", "description": "The value to use."},
                "label": {"type": "string", "x-ms-summary": "Label", "description": "The name to show."},
            },
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
            "title": listing.name,
            "description": listing.long_description,
            "version": listing.version,
            "contact": {k: v for k, v in {"name": listing.name, "url": listing.website, "email": listing.support_email}.items() if v},
        },
        "x-ms-connector-metadata": connector_metadata(listing),
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


def connector_metadata(listing: publisher.Listing) -> list[dict[str, str]]:
    """``x-ms-connector-metadata``: the website, privacy policy and categories certification asks for (an unset one is left out)."""
    entries = {"Website": listing.website, "Privacy policy": listing.privacy_policy_url, "Categories": ";".join(listing.categories)}
    return [{"propertyName": name, "propertyValue": value} for name, value in entries.items() if value]


def api_properties(catalog: Catalog, listing: publisher.Listing | None = None) -> dict[str, Any]:
    """The connection parameter (the location's API key) and the policy that routes every trigger's subscription to ``/v1/hooks``."""
    listing = listing or publisher.load()
    return {
        "properties": {
            "connectionParameters": {
                SECURITY: {
                    "type": "securestring",
                    "uiDefinition": {
                        "displayName": API_KEY["label"],
                        "description": key_help(listing.api_key_url),
                        "tooltip": "Find it in 7stamp under API & Integrations.",
                        "constraints": {"tabIndex": 2, "clearText": False, "required": "true"},
                    },
                }
            },
            "iconBrandColor": listing.brand_color,
            "capabilities": [],
            "publisher": listing.name,
            "stackOwner": listing.name,
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


def intro(catalog: Catalog, listing: publisher.Listing) -> str:
    """``intro.md``: what Microsoft's connector documentation page shows, as certification asks for it."""
    lines = [
        f"## {listing.name}",
        "",
        listing.long_description,
        "",
        "## Prerequisites",
        "",
        f"A 7stamp location and its API key: {key_help(listing.api_key_url)}",
        "",
        "## Known issues and limitations",
        "",
        "Each location has its own key, so a flow reads and writes one location's cards.",
        "",
    ]
    return "\n".join(lines)


def readme(catalog: Catalog, listing: publisher.Listing) -> str:
    """``readme.md``: the publisher, prerequisites, every operation and how to get the key, as Microsoft's connector repository asks."""
    lines = [
        f"# {listing.name}",
        "",
        listing.long_description,
        "",
        "## Publisher",
        "",
        f"{listing.name} ({listing.website})" + (f", support: {listing.support_email}" if listing.support_email else ""),
        "",
        "## Prerequisites",
        "",
        "A 7stamp location with an API key.",
        "",
        "## Obtaining credentials",
        "",
        key_help(listing.api_key_url),
        "",
        "## Supported operations",
        "",
        "### Triggers",
        "",
        *[f"- **{when(t['label'])}**: {t['help']}" for t in catalog["triggers"]],
        "",
        "### Actions",
        "",
        *[f"- **{sentence(a['label'])}**: {a['help']}" for a in catalog["actions"]],
        "",
        "## Deployment instructions",
        "",
        "    paconn create --api-def apiDefinition.swagger.json --api-prop apiProperties.json --icon icon.png",
        "",
    ]
    return "\n".join(lines)


def flow(scenario: scenarios.Scenario, catalog: Catalog) -> dict[str, Any]:
    """A ready-made scenario as a flow definition (Logic Apps workflow definition language, as a flow's definition.json holds it).

    A mapped value reads the trigger's body (``triggerBody()?['customer']?['email']``) or an earlier action's.
    """
    names = [f"Step_{i}" for i in range(len(scenario.all_steps))]
    operations = {t["key"]: operation_id("On", t["key"]) for t in catalog["triggers"]} | {
        a["key"]: pascal(a["key"]) for a in catalog["actions"]
    }

    def reference(n: int, path: str) -> str:
        source = "triggerBody()" if n == 0 else f"body('{names[n]}')"
        return "@{" + source + "".join(f"?['{part}']" for part in path.split(".")) + "}"

    def host(step: scenarios.Step) -> dict[str, str]:
        if step.app is None:
            return {"connectionName": "shared_sevenstamp", "operationId": operations[step.operation], "apiId": "sevenstamp"}
        api, operation = step.ids["powerautomate"].split("/")
        return {"connectionName": api, "operationId": operation, "apiId": f"/providers/Microsoft.PowerApps/apis/{api}"}

    def inputs(step: scenarios.Step) -> dict[str, Any]:
        return {"host": host(step), "parameters": {k: scenarios.fill(v, reference) for k, v in step.fields.items()}}

    actions: dict[str, Any] = {}
    for index, step in enumerate(scenario.steps, start=1):
        actions[names[index]] = {
            "type": "OpenApiConnection",
            "inputs": inputs(step),
            "runAfter": {names[index - 1]: ["Succeeded"]} if index > 1 else {},
        }
    return {
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        "contentVersion": "1.0.0.0",
        "description": scenario.description,
        "triggers": {names[0]: {"type": "OpenApiConnectionWebhook", "inputs": inputs(scenario.trigger)}},
        "actions": actions,
    }


def generate(catalog: Catalog, url: str, listing: publisher.Listing | None = None) -> Files:
    """The custom connector for the connector at ``url``: its two files, icon, intro.md, readme.md and the ready-made flows."""
    listing = listing or publisher.load()
    files: Files = {
        "apiDefinition.swagger.json": to_json(api_definition(catalog, url, listing)),
        "apiProperties.json": to_json(api_properties(catalog, listing)),
        "icon.png": icons.png(ICON_SIZE, listing.brand_color),
        "intro.md": intro(catalog, listing),
        "readme.md": readme(catalog, listing),
        "listing/description.txt": listing.description + "\n",
    }
    for scenario in scenarios.SCENARIOS:
        files[f"flows/{scenario.slug}.json"] = to_json(flow(scenario, catalog))
    return files
