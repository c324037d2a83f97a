"""The Make custom app for a connector URL, from the catalog.

The layout is the local-development one of Make's VS Code extension: ``makecomapp.json``
lists every component and its ``*.iml.json`` code files, each of the kind the schemas in
``platforms/make/schemas/`` (Make's own, copied with their licence) describe. Every ``{{...}}``
is IML as a custom app writes it: JavaScript-like, arguments separated by commas, only Make's
built-in functions. Per event there is an attached webhook (subscribed and
unsubscribed through ``/v1/hooks``) with its instant trigger, and a polling trigger; per
action and search a module; per dropdown source an RPC.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chalicelib.contract.limits import POLL_LIMIT_MAX
from platforms.common import (
    API_KEY,
    Catalog,
    Files,
    action_inputs,
    action_phrase,
    article,
    camel,
    connector_url,
    kebab,
    key_help,
    pascal,
    plural,
    sentence,
    to_json,
)
from platforms.listing import icons, publisher, scenarios

CONNECTION = "apiKey"
# When the connector received the event: the milliseconds inside its id (evt_<ms>_<hash>; get()
# counts from 1), the time of the cursor that polling orders by. The watch modules read settled
# answers (`settled=1`), which hold back every event that a later write could still precede, so
# an event stored later never carries an older date than one Make has passed; and an event that
# 7stamp sent late (an older `timestamp`) is still new to the scenario.
RECEIVED_AT = '{{parseDate(get(split(item.id, "_"), 2), "x")}}'
# A settled answer's X-Next-Cursor (present while older pages may exist) is the next page's `before`.
NEXT_PAGE = '{{headers["x-next-cursor"]}}'

_TYPES = {
    "string": "text",
    "integer": "integer",
    "number": "number",
    "boolean": "boolean",
    "datetime": "date",
    "array": "array",
    "object": "collection",
}
# Searches whose answer is one record at most: Make's convention makes them actions that return one bundle
# ("Get a book"), not searches (developers.make.com, app components, modules).
SINGLE_RESULT = frozenset({"find_voucher", "find_analytics_summary"})
ICON_SIZE = 512  # Make asks for a 512x512 PNG app icon
_DAY = "YYYY-MM-DD"
_ERROR_TYPES = {
    401: "InvalidAccessTokenError",
    404: "DataError",
    409: "DataError",
    413: "DataError",
    422: "DataError",
    429: "RateLimitError",
    502: "ConnectionError",
    504: "ConnectionError",
}


def rpc_name(source: str) -> str:
    """The RPC behind a dropdown source: ``card-templates`` -> ``listCardTemplates``."""
    return "list" + pascal(source)


def _help(text: str) -> dict[str, str]:
    """A ``help`` entry, left out when empty (Make's schema wants at least one character)."""
    return {"help": text} if text else {}


def _options(choices: list[str]) -> list[dict[str, str]]:
    """Static select options, each value its own label."""
    return [{"label": choice, "value": choice} for choice in choices]


def parameter(field: dict[str, Any]) -> dict[str, Any]:
    """An action's input field as a mappable parameter; dropdown sources become RPC-backed selects."""
    param: dict[str, Any] = {
        "name": field["key"],
        "label": field["label"],
        "type": "date" if field.get("format") else _TYPES.get(field["type"], "text"),
        "required": field["required"],
        **_help(field["help"]),
    }
    if field.get("format") == "date":
        param["time"] = False  # a day: the date picker without a time
    if field.get("dynamic"):
        param.update(type="select", options=f"rpc://{rpc_name(field['dynamic'])}")
    elif field.get("choices"):
        param.update(type="select", options=_options(field["choices"]), multiple=field["list"])
    elif field["list"]:
        param.update(type="array", spec={"type": _TYPES.get(field["type"], "text")})
    if "default" in field:
        param["default"] = field["default"]
    return param


def sent(field: dict[str, Any]) -> str:
    """How a parameter is sent: as given, or a day as the contract's YYYY-MM-DD (Make hands dates over as ISO 8601 moments)."""
    if field.get("format") == "date":
        return f'{{{{if(parameters.{field["key"]}, formatDate(parameters.{field["key"]}, "{_DAY}"), parameters.{field["key"]})}}}}'
    return f"{{{{parameters.{field['key']}}}}}"


def module_label(action: dict[str, Any]) -> str:
    """Make's module label conventions: ``Add a stamp``, ``Get a voucher``, ``Search customers``."""
    if action["kind"] == "create":
        return action_phrase(action["label"])
    noun = action["noun"].lower()
    if action["key"] in SINGLE_RESULT:
        return f"Get {article(noun)} {noun}"
    return f"Search {plural(noun)}"


def watch_label(trigger: dict[str, Any]) -> str:
    """``Stamp Added`` -> ``Watch stamps added``: Make's "Watch [item]s", sentence case."""
    head, *rest = sentence(trigger["label"]).split(" ")
    if head == "Any":
        return "Watch all events"
    if not rest:
        return f"Watch {plural(head.lower())}"
    if rest[0].endswith("ed") or rest[0] == "sent":
        return " ".join(["Watch", plural(head.lower()), *rest])  # Watch stamps added, Watch cards saved to wallet
    if len(rest) == 1 and head.lower() == "customer" and rest[0] == "inactive":
        return "Watch inactive customers"
    return " ".join(["Watch", head.lower(), *rest[:-1], plural(rest[-1])])  # Watch customer birthdays


def filter_parameter(spec: dict[str, Any]) -> dict[str, Any]:
    """A trigger's subscription filter as a webhook parameter, asked when the webhook is created."""
    param: dict[str, Any] = {
        "name": spec["key"],
        "label": spec["label"],
        "type": "text",
        "required": False,
        "help": spec["help"] or "Only events with this value; leave empty for every event.",
    }
    if spec.get("dynamic"):
        param.update(type="select", multiple=True, options=f"rpc://{rpc_name(spec['dynamic'])}")
    elif spec.get("choices"):
        param.update(type="select", multiple=True, options=_options(spec["choices"]))
    return param


def filters_body(filters: list[dict[str, Any]]) -> str:
    """The webhook's parameters as the subscription's filters, each one left blank dropped (``omit``), so none is sent empty."""
    expression = "parameters"
    for spec in filters:
        expression = f'if(ifempty(parameters.{spec["key"]}, false), {expression}, omit({expression}, "{spec["key"]}"))'
    return "{{" + expression + "}}"


def filter_query(filters: list[dict[str, Any]]) -> dict[str, str]:
    """A polling module's filters as the query parameters ``GET /v1/triggers/{event}`` takes.

    Several values are comma-separated; a blank one is no filter.
    """
    return {
        spec["key"]: f'{{{{join(parameters.{spec["key"]}, ",")}}}}'
        if filter_parameter(spec).get("multiple")
        else f"{{{{parameters.{spec['key']}}}}}"
        for spec in filters
    }


def interface(output_fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Output fields as Make's interface: a dotted path (``customer.email``) becomes a field of a collection."""
    root: list[dict[str, Any]] = []
    for field in output_fields:
        *parents, name = field["key"].split(".")
        level = root
        for part in parents:
            collection = next((p for p in level if p["name"] == part and p["type"] == "collection"), None)
            if collection is None:
                collection = {"name": part, "label": part.replace("_", " ").capitalize(), "type": "collection", "spec": []}
                level.append(collection)
            level = collection["spec"]
        level.append({"name": name, "label": field["label"], "type": _TYPES[field["type"]]})
    return root


_SUFFIXES = {
    "communication": "communication",
    "params": "params",
    "staticParams": "static-params",
    "mappableParams": "mappable-params",
    "interface": "interface",
    "samples": "samples",
    "epoch": "epoch",
    "attach": "attach",
    "detach": "detach",
}


class _App:
    """Collects the files and the makecomapp.json entries of one app."""

    def __init__(self) -> None:
        self.files: Files = {}
        self.components: dict[str, dict[str, Any]] = {
            kind: {} for kind in ("connection", "webhook", "module", "rpc", "function", "endpoint")
        }

    def add(self, kind: str, name: str, folder: str, metadata: dict[str, Any], codes: dict[str, Any]) -> None:
        """One component: each code is written to ``<folder>/<name>/<name>.<suffix>.iml.json``."""
        stem = kebab(name)
        code_files: dict[str, str] = {}
        for code_type, content in codes.items():
            path = f"{folder}/{stem}/{stem}.{_SUFFIXES[code_type]}.iml.json"
            self.files[path] = to_json(content)
            code_files[code_type] = path
        self.components[kind][name] = {**metadata, "codeFiles": code_files}


def _base(api_url: str) -> dict[str, Any]:
    """Every module's, RPC's and webhook's shared request: the base URL, the key header, errors in the connector's words."""
    errors: dict[str, Any] = {str(status): {"type": kind, "message": "{{body.error.message}}"} for status, kind in _ERROR_TYPES.items()}
    return {
        "baseUrl": api_url,
        "headers": {"X-API-Key": "{{connection.apiKey}}"},
        "response": {
            "error": {
                "type": "RuntimeError",
                "message": "[{{statusCode}}] {{ifempty(body.error.message, 'The 7stamp connector failed')}}",
                **errors,
            }
        },
        "log": {"sanitize": ["request.headers.x-api-key"]},
    }


def _connection(app: _App, api_url: str, admin_url: str) -> None:
    """The API-key connection: tested with ``GET /v1/me`` and labelled with the location's name."""
    app.add(
        "connection",
        CONNECTION,
        "connections",
        {"label": API_KEY["label"], "connectionType": "basic"},
        {
            "communication": {
                "url": f"{api_url}/v1/me",
                "method": "GET",
                "headers": {"X-API-Key": "{{parameters.apiKey}}"},
                "response": {
                    "metadata": {"type": "text", "value": "{{body.location_name}}"},
                    "error": {"message": "[{{statusCode}}] {{body.error.message}}"},
                },
                "log": {"sanitize": ["request.headers.x-api-key"]},
            },
            "params": [{"name": "apiKey", "type": "password", "label": API_KEY["label"], "help": key_help(admin_url), "required": True}],
        },
    )


def _trigger(app: _App, trigger: dict[str, Any]) -> tuple[str, str]:
    """The attached webhook and instant trigger of one event, and its polling trigger; returns both module names."""
    webhook, instant, polling = camel(trigger["key"]), f"watch{pascal(trigger['key'])}Instant", f"watch{pascal(trigger['key'])}"
    app.add(
        "webhook",
        webhook,
        "webhooks",
        {"label": trigger["label"], "webhookType": "web", "connection": CONNECTION},
        {
            "communication": {"output": "{{body}}"},
            "params": [filter_parameter(f) for f in trigger["filters"]],
            "attach": {
                "url": "/v1/hooks",
                "method": "POST",
                "body": {"event": trigger["key"], "target_url": "{{webhook.url}}", "filters": filters_body(trigger["filters"])},
                "response": {"data": {"externalHookId": "{{body.id}}"}},
            },
            "detach": {"url": "/v1/hooks/{{webhook.externalHookId}}", "method": "DELETE"},
        },
    )
    shape = {"interface": interface(trigger["output_fields"]), "samples": trigger["sample"]}
    app.add(
        "module",
        instant,
        "modules",
        {
            "label": watch_label(trigger),
            "description": trigger["help"],
            "moduleType": "instant_trigger",
            "connection": CONNECTION,
            "webhook": webhook,
        },
        shape,
    )
    app.add(
        "module",
        polling,
        "modules",
        {"label": f"{watch_label(trigger)} (scheduled)", "description": trigger["help"], "moduleType": "trigger", "connection": CONNECTION},
        {
            "communication": {
                "url": f"/v1/triggers/{trigger['key']}",
                "method": "GET",
                # pages of the most events one answer holds; Make reads them back to the last event it processed
                "qs": {"settled": "1", "limit": POLL_LIMIT_MAX, **filter_query(trigger["filters"])},
                "pagination": {"qs": {"before": NEXT_PAGE}, "condition": NEXT_PAGE},
                "response": {
                    "iterate": "{{body}}",
                    "output": "{{item}}",
                    "limit": "{{parameters.limit}}",
                    "trigger": {"type": "date", "order": "desc", "id": "{{item.id}}", "date": RECEIVED_AT},
                },
            },
            "staticParams": [
                *[filter_parameter(f) for f in trigger["filters"]],
                {
                    "name": "limit",
                    "type": "uinteger",
                    "label": "Limit",
                    "help": f"The most events to return in one run (1-{POLL_LIMIT_MAX}).",
                    "default": 10,
                    "required": True,
                    "validate": {"min": 1, "max": POLL_LIMIT_MAX},
                },
            ],
            "epoch": {
                "qs": {"limit": POLL_LIMIT_MAX},
                "response": {
                    "limit": POLL_LIMIT_MAX,
                    "output": {
                        "label": "{{item.timestamp}} {{ifempty(item.customer.name, item.customer.id)}}",
                        "date": "{{item.timestamp}}",
                    },
                },
            },
            **shape,
        },
    )
    return instant, polling


def _action(app: _App, action: dict[str, Any]) -> str:
    """The module of one action (POST, the parameters as body), single-result search (one bundle) or search (a bundle per result).

    Returns the module's name. A search takes a Limit (Make's ``response.limit``); a day goes out as YYYY-MM-DD.
    """
    name = camel(action["key"])
    fields = action_inputs(action)
    params = [parameter(f) for f in fields]
    if action["kind"] == "create":
        body: Any = {f["key"]: sent(f) for f in fields} if any(f.get("format") == "date" for f in fields) else "{{parameters}}"
        request: dict[str, Any] = {"url": action["path"], "method": "POST", "body": body, "response": {"output": "{{body}}"}}
    else:
        query = {f["key"]: sent(f) for f in action["input_fields"]}
        request = {"url": action["path"], "method": "GET", "qs": query}
        if action["key"] in SINGLE_RESULT:
            request["response"] = {"output": "{{first(body)}}"}
        else:
            request["response"] = {"iterate": "{{body}}", "output": "{{item}}", "limit": "{{parameters.limit}}"}
            if not any(f["key"] == "limit" for f in fields):
                params.append(
                    {
                        "name": "limit",
                        "type": "uinteger",
                        "label": "Limit",
                        "help": "The most results to return.",
                        "default": 10,
                        "required": True,
                        "validate": {"min": 1},
                    }
                )
    app.add(
        "module",
        name,
        "modules",
        {
            "label": module_label(action),
            "description": action["help"],
            "moduleType": "search" if action["kind"] == "search" and action["key"] not in SINGLE_RESULT else "action",
            "connection": CONNECTION,
        },
        {
            "communication": request,
            "mappableParams": params,
            "interface": interface(action["output_fields"]),
            "samples": action["sample"],
        },
    )
    return name


UNIVERSAL = "makeAnApiCall"


def _universal(app: _App, api_url: str) -> str:
    """Make's universal module: any connector route (a path relative to the base URL) with the connection's key."""
    key_value = [{"name": "key", "type": "text", "label": "Key"}, {"name": "value", "type": "text", "label": "Value"}]
    app.add(
        "module",
        UNIVERSAL,
        "modules",
        {
            "label": "Make an API call",
            "description": "Performs an arbitrary authorized API call.",
            "moduleType": "universal",
            "connection": CONNECTION,
        },
        {
            "communication": {
                "url": "{{parameters.url}}",
                "method": "{{parameters.method}}",
                # Make's documented spread of the user's key-value pairs over the base's headers and query
                "headers": {"{{...}}": "{{toCollection(parameters.headers, 'key', 'value')}}"},
                "qs": {"{{...}}": "{{toCollection(parameters.qs, 'key', 'value')}}"},
                "body": "{{parameters.body}}",
                "response": {"output": {"body": "{{body}}", "headers": "{{headers}}", "statusCode": "{{statusCode}}"}},
            },
            "mappableParams": [
                {
                    "name": "url",
                    "type": "text",
                    "label": "URL",
                    "help": f"A path relative to `{api_url}`, e.g. `/v1/catalog`.",
                    "required": True,
                },
                {
                    "name": "method",
                    "type": "select",
                    "label": "Method",
                    "default": "GET",
                    "required": True,
                    "options": _options(["GET", "POST", "PUT", "PATCH", "DELETE"]),
                },
                {"name": "headers", "type": "array", "label": "Headers", "spec": key_value},
                {"name": "qs", "type": "array", "label": "Query string", "spec": key_value},
                {"name": "body", "type": "any", "label": "Body", "help": "The JSON body to send with POST, PUT or PATCH."},
            ],
            "interface": [
                {"name": "body", "type": "any", "label": "Body"},
                {"name": "headers", "type": "collection", "label": "Headers"},
                {"name": "statusCode", "type": "number", "label": "Status code"},
            ],
        },
    )
    return UNIVERSAL


def _rpc(app: _App, option: dict[str, Any]) -> None:
    """The RPC behind one dropdown: ``[{id, label}]`` as Make's ``{label, value}`` options."""
    app.add(
        "rpc",
        rpc_name(option["key"]),
        "rpcs",
        {"label": option["label"], "connection": CONNECTION},
        {
            "communication": {
                "url": option["path"],
                "method": "GET",
                "response": {"iterate": "{{body}}", "output": {"label": "{{item.label}}", "value": "{{item.id}}"}},
            }
        },
    )


def _readme(app: _App, groups: list[dict[str, Any]], listing: publisher.Listing) -> str:
    """The app's documentation page in Make: the listing's description, each module's label and description by group."""
    lines = [f"# {listing.name}", "", listing.long_description, ""]
    for group in groups:
        lines += [f"## {group['label']}", ""]
        lines += [f"- **{app.components['module'][m]['label']}**: {app.components['module'][m]['description']}" for m in group["modules"]]
        lines.append("")
    return "\n".join(lines)


def blueprint(scenario: scenarios.Scenario, catalog: Catalog, origins: list[dict[str, Any]]) -> dict[str, Any]:
    """A scenario blueprint (Scenarios -> Import blueprint): module ``N`` maps step N-1's outputs as ``{{N.path}}``.

    This app's modules are named ``<app id>:<module>`` with the app id of the first origin (``sevenstamp``
    before the app is deployed to Make: change it to the id Make gave the app).
    """
    app_id = origins[0]["appId"] if origins else "sevenstamp"
    instant = {t["key"] for t in catalog["triggers"]}

    def module(index: int, step: scenarios.Step) -> dict[str, Any]:
        if step.app is not None:
            name = step.ids["make"]
        elif step.operation in instant:
            name = f"{app_id}:watch{pascal(step.operation)}Instant"
        else:
            name = f"{app_id}:{camel(step.operation)}"
        mapper = {k: scenarios.fill(v, lambda n, path: f"{{{{{n + 1}.{path}}}}}") for k, v in step.fields.items()}
        return {
            "id": index + 1,
            "module": name,
            "version": 1,
            "parameters": {},
            "mapper": mapper,
            "metadata": {"designer": {"x": 300 * index, "y": 0}},
        }

    return {
        "name": scenario.title,
        "flow": [module(i, s) for i, s in enumerate(scenario.all_steps)],
        "metadata": {
            "instant": scenario.trigger.app is None,
            "version": 1,
            "scenario": {"roundtrips": 1, "maxErrors": 3, "autoCommit": True, "sequential": False, "confidential": False, "dlq": False},
            "designer": {"orphans": []},
        },
    }


def previous_origins(out: Path) -> list[dict[str, Any]]:
    """The origins (Make app id, zone, component mapping) of an earlier export into ``out``, kept across exports."""
    existing = out / "makecomapp.json"
    return list(json.loads(existing.read_text()).get("origins") or []) if existing.exists() else []


def generate(catalog: Catalog, url: str, origins: list[dict[str, Any]] | None = None, listing: publisher.Listing | None = None) -> Files:
    """Every file of the Make app for the connector at ``url``, with its icon and a scenario blueprint per ready-made scenario."""
    api_url = connector_url(url)
    listing = listing or publisher.load()
    app = _App()
    _connection(app, api_url, listing.api_key_url)
    triggers = [name for trigger in catalog["triggers"] for name in _trigger(app, trigger)]
    single = [a for a in catalog["actions"] if a["kind"] == "create" or a["key"] in SINGLE_RESULT]
    actions = [_action(app, a) for a in single] + [_universal(app, api_url)]
    searches = [_action(app, a) for a in catalog["actions"] if a not in single]
    for option in catalog["options"]:
        _rpc(app, option)
    groups = [
        {"label": "Triggers", "modules": triggers},
        {"label": "Actions", "modules": actions},
        {"label": "Searches", "modules": searches},
    ]
    app.files["general/base.iml.json"] = to_json(_base(api_url))
    app.files["modules/groups.json"] = to_json(groups)
    app.files["README.md"] = _readme(app, groups, listing)
    app.files["listing/icon.png"] = icons.png(ICON_SIZE, listing.brand_color)  # "Set the app's icon" in Make's extension
    app.files["listing/description.txt"] = listing.description + "\n"
    for scenario in scenarios.SCENARIOS:
        app.files[f"blueprints/{scenario.slug}.json"] = to_json(blueprint(scenario, catalog, origins or []))
    app.files["makecomapp.json"] = to_json(
        {
            "fileVersion": 1,
            "generalCodeFiles": {"base": "general/base.iml.json", "common": None, "groups": "modules/groups.json", "readme": "README.md"},
            "components": app.components,
            "origins": origins or [],
        }
    )
    return app.files
