"""The Zapier Platform CLI app for a connector URL, from the catalog.

Each trigger, create and search becomes one file (``triggers/<key>.js``, ``creates/<key>.js``,
``searches/<key>.js``) rendered from a small template in ``templates/``; the data in it
(labels, help, fields, samples) is the catalog's, written as JSON.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from chalicelib.contract import limits
from platforms.common import API_KEY, Catalog, ExportError, Files, action_inputs, connector_url, key_help, sentence
from platforms.listing import icons, publisher, scenarios

CORE_VERSION = "19.1.0"
TEMPLATES = Path(__file__).parent / "templates"

# Zapier's "find, or create when none is found": finding a customer falls back to issuing a card.
SEARCH_OR_CREATE = {"find_customer": "issue_card"}
# Zapier's search-powered fields: an ID field offers to add the search step that finds the ID (integration check D004).
SEARCH_FIELDS = {"customer_id": "find_customer.id", "card_id": "find_customer.card_id", "voucher_id": "find_voucher.id"}
LOGO_SIZE = 256  # Zapier's app logo: a 256x256 PNG

_INPUT_TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean", "datetime": "datetime"}
_OUTPUT_TYPES = {"string", "integer", "number", "boolean", "datetime"}
_PLACEHOLDER = re.compile(r"@@([A-Z_]+)@@")


def render(template: str, **values: str) -> str:
    """A template with each ``@@NAME@@`` replaced; a missing or unused value is an error, not a silent gap."""
    text = (TEMPLATES / template).read_text()
    wanted = set(_PLACEHOLDER.findall(text))
    if wanted != set(values):
        raise ExportError(f"{template}: placeholders {sorted(wanted)} but values for {sorted(values)}")
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def js(value: Any, level: int = 0) -> str:
    """A JSON value as a JS literal, indented to sit ``level`` levels deep in a template."""
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + "  " * level)


def option_key(source: str) -> str:
    """The hidden trigger behind a dropdown source: ``card-templates`` -> ``options_card_templates``."""
    return "options_" + source.replace("-", "_")


def output_field(field: dict[str, Any]) -> dict[str, Any]:
    """A catalog output field; a dotted path becomes Zapier's ``customer__email`` key."""
    out: dict[str, Any] = {"key": field["key"].replace(".", "__"), "label": field["label"]}
    if field["type"] in _OUTPUT_TYPES:
        out["type"] = field["type"]
    elif field["type"] == "array":
        out["list"] = True
    return out


def input_field(field: dict[str, Any], operation: str = "") -> dict[str, Any]:
    """A catalog input field; a dropdown source becomes a ``dynamic`` reference to its hidden trigger, an ID a search-powered field.

    A search's own ID input is what the search is given, so it is not powered by that same search.
    """
    out: dict[str, Any] = {"key": field["key"], "label": field["label"], "required": field["required"]}
    powered_by = SEARCH_FIELDS.get(field["key"])
    if powered_by and powered_by.split(".")[0] != operation:
        out["search"] = powered_by
    if field["help"]:
        out["helpText"] = field["help"]
    out["type"] = _INPUT_TYPES.get(field["type"], "string")
    if field["list"]:
        out["list"] = True
    if field.get("dynamic"):
        out["dynamic"] = f"{option_key(field['dynamic'])}.id.label"
    elif field.get("choices"):
        out["choices"] = list(field["choices"])
    if "default" in field:
        out["default"] = str(field["default"]).lower() if isinstance(field["default"], bool) else str(field["default"])
    return out


def filter_field(spec: dict[str, Any]) -> dict[str, Any]:
    """A trigger's subscription filter as an optional input: one or several wanted values."""
    out: dict[str, Any] = {
        "key": spec["key"],
        "label": spec["label"],
        "required": False,
        "list": True,
        "helpText": spec["help"] or "Only events with one of these values; leave empty for every event.",
    }
    if spec.get("dynamic"):
        out["dynamic"] = f"{option_key(spec['dynamic'])}.id.label"
    elif spec.get("choices"):
        out["choices"] = list(spec["choices"])
    return out


def _display(entry: dict[str, Any]) -> dict[str, Any]:
    """What Zapier shows of an operation: the definition's label and help text."""
    return {"label": entry["label"], "description": entry["help"]}


def _trigger(trigger: dict[str, Any]) -> str:
    """``triggers/<event>.js``: a REST-hook trigger with the definition's filters, sample and output fields."""
    return render(
        "hook_trigger.js",
        SOURCE=f"triggers/{trigger['key']}.py",
        KEY=js(trigger["key"]),
        FILTERS=js([{"key": f["key"]} for f in trigger["filters"]]),
        NOUN=js(trigger["noun"]),
        DISPLAY=js(_display(trigger), 1),
        INPUT_FIELDS=js([filter_field(f) for f in trigger["filters"]], 2),
        SAMPLE=js(trigger["sample"], 2),
        OUTPUT_FIELDS=js([output_field(f) for f in trigger["output_fields"]], 2),
    )


def _option(option: dict[str, Any]) -> str:
    """``triggers/options_<source>.js``: the hidden trigger that feeds one dropdown."""
    return render(
        "option_trigger.js",
        LABEL_TEXT=option["label"].lower(),
        PATH_TEXT=option["path"],
        KEY=js(option_key(option["key"])),
        NOUN=js(option["label"]),
        DISPLAY=js({"label": option["label"], "description": f"Lists the {option['label'].lower()} for dropdowns.", "hidden": True}, 1),
        PATH=js(option["path"]),
        SAMPLE=js({"id": "sample_id", "label": "Sample"}, 2),
        OUTPUT_FIELDS=js([{"key": "id", "label": "ID"}, {"key": "label", "label": "Label"}], 2),
    )


def _action(action: dict[str, Any]) -> str:
    """``creates/<key>.js`` or ``searches/<key>.js`` for one action or search."""
    return render(
        "action.js",
        SOURCE=f"actions/{action['key']}.py",
        KIND=action["kind"],
        METHOD=action["method"],
        PATH_TEXT=action["path"],
        PATH=js(action["path"]),
        KEY=js(action["key"]),
        NOUN=js(action["noun"]),
        DISPLAY=js(_display(action), 1),
        INPUT_FIELDS=js([input_field(f, action["key"]) for f in action_inputs(action)], 2),
        CALL=action["kind"],
        SAMPLE=js(action["sample"], 2),
        OUTPUT_FIELDS=js([output_field(f) for f in action["output_fields"]], 2),
    )


def search_or_creates(catalog: Catalog) -> dict[str, Any]:
    """Zapier's searchOrCreates, keyed by the search as Zapier requires."""
    actions = {a["key"]: a for a in catalog["actions"]}
    out: dict[str, Any] = {}
    for search_key, create_key in SEARCH_OR_CREATE.items():
        search, create = actions.get(search_key), actions.get(create_key)
        if search is None or create is None or search["kind"] != "search" or create["kind"] != "create":
            raise ExportError(f"search-or-create needs the search {search_key!r} and the create {create_key!r}")
        out[search_key] = {
            "key": search_key,
            "display": {
                "label": f"{search['label']} or {create['label']}",
                "description": f"{search['help'].rstrip('.')}; when there is none: {sentence(create['label']).lower()}.",
            },
            "search": search_key,
            "create": create_key,
        }
    return out


def package_json(listing: publisher.Listing) -> str:
    """The app's own package.json: the export's version (``zapier-platform push`` pushes it), zapier-platform-core pinned exactly."""
    return (
        json.dumps(
            {
                "name": "sevenstamp-zapier",
                "version": listing.version,
                "description": listing.description,
                "homepage": listing.website,
                "repository": listing.repository,
                "main": "index.js",
                "private": True,
                "engines": {"node": ">=22"},
                "dependencies": {"zapier-platform-core": CORE_VERSION},
            },
            indent=2,
        )
        + "\n"
    )


def zap_template(scenario: scenarios.Scenario, catalog: Catalog) -> str:
    """A Zap template to submit in Zapier's developer platform: each step's app, action and field values.

    Zapier takes Zap templates through its form, not as a file, so this is the form's content; a mapped
    value is written as the Zap editor shows it (``{{1__customer__email}}`` for step 1's ``customer.email``).
    """
    kinds = {t["key"]: "trigger" for t in catalog["triggers"]} | {a["key"]: a["kind"] for a in catalog["actions"]}

    def step(index: int, s: scenarios.Step) -> dict[str, Any]:
        own = s.app is None
        return {
            "step": index + 1,
            "app": "7stamp" if own else s.app,
            "type": ("trigger" if index == 0 else "action") if not own else kinds[s.operation],
            ("key" if own else "action"): s.operation,
            "fields": {
                k: scenarios.fill(v, lambda n, path: "{{" + f"{n + 1}__{path.replace('.', '__')}" + "}}") for k, v in s.fields.items()
            },
        }

    body = {"title": scenario.title, "description": scenario.description, "steps": [step(i, s) for i, s in enumerate(scenario.all_steps)]}
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def _requires(folder: str, keys: list[str]) -> str:
    """index.js lines that load each operation's file."""
    return "\n".join(f"    require('./{folder}/{key}')," for key in keys)


def generate(catalog: Catalog, url: str, listing: publisher.Listing | None = None) -> Files:
    """Every file of the Zapier app for the connector at ``url``, with its logo and its Zap templates."""
    api_url = connector_url(url)
    listing = listing or publisher.load()
    files: Files = {
        "package.json": package_json(listing),
        "authentication.js": render("authentication.js", LABEL=js(API_KEY["label"]), HELP=js(key_help(listing.api_key_url))),
        "listing/logo.png": icons.png(LOGO_SIZE, listing.brand_color),
        "listing/description.txt": listing.description + "\n",
        "lib/connector.js": render(
            "connector.js",
            API_URL=js(api_url),
            POLL_LIMIT_DEFAULT=str(limits.POLL_LIMIT_DEFAULT),
            POLL_LIMIT_MAX=str(limits.POLL_LIMIT_MAX),
        ),
    }
    trigger_keys: list[str] = []
    for trigger in catalog["triggers"]:
        files[f"triggers/{trigger['key']}.js"] = _trigger(trigger)
        trigger_keys.append(trigger["key"])
    for option in catalog["options"]:
        files[f"triggers/{option_key(option['key'])}.js"] = _option(option)
        trigger_keys.append(option_key(option["key"]))
    folders = {"create": "creates", "search": "searches"}
    keys: dict[str, list[str]] = {"create": [], "search": []}
    for action in catalog["actions"]:
        files[f"{folders[action['kind']]}/{action['key']}.js"] = _action(action)
        keys[action["kind"]].append(action["key"])
    files["index.js"] = render(
        "index.js",
        API_URL=api_url,
        TRIGGERS=_requires("triggers", trigger_keys),
        CREATES=_requires("creates", keys["create"]),
        SEARCHES=_requires("searches", keys["search"]),
        SEARCH_OR_CREATES=js(search_or_creates(catalog), 1),
    )
    for scenario in scenarios.SCENARIOS:
        files[f"zap-templates/{scenario.slug}.json"] = zap_template(scenario, catalog)
    return files
