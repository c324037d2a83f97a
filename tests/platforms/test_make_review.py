"""Make's published review rules for custom apps, as checks on a fresh export (each cites its source, each is seen to fail).

Make's own schemas and the IML check run in test_make_app.py; these are the rules Make's reviewers apply on top.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from review import PUBLIC_URL, Rule, edited, listed, png_size, rule_tests

from chalicelib.contract import catalog
from platforms.make import generate as make_app

DOCS = "https://developers.make.com/custom-apps-documentation"
Files = dict[str, Any]
CATALOG = catalog.catalog()


@pytest.fixture(scope="module")
def make_review_app() -> Files:
    return make_app.generate(CATALOG, PUBLIC_URL, listing=listed())


def _modules(files: Files) -> dict[str, dict[str, Any]]:
    return dict(json.loads(files["makecomapp.json"])["components"]["module"])


def _code(files: Files, module: dict[str, Any], code: str) -> Any:
    return json.loads(files[module["codeFiles"][code]])


def _module_edit(files: Files, name: str, change: Any) -> Files:
    """A copy with makecomapp.json's entry of module ``name`` changed."""
    return edited(files, "makecomapp.json", lambda app: change(app["components"]["module"][name]))


def universal_module(files: Files) -> list[str]:
    found = [m for m in _modules(files).values() if m["moduleType"] == "universal"]
    if len(found) != 1:
        return [f"{len(found)} universal modules; an app has exactly one"]
    module = found[0]
    problems = []
    if (module["label"], module["description"]) != ("Make an API call", "Performs an arbitrary authorized API call."):
        problems.append(f"label and description {module['label']!r}, {module['description']!r}")
    url = _code(files, module, "communication")["url"]
    if not url.startswith("{{parameters.url}}") or "://" in url:
        problems.append(f"url {url!r} is not relative to the base URL")
    if module.get("connection") != make_app.CONNECTION:
        problems.append("the universal module does not use the connection")
    return problems


def limit_on_searches(files: Files) -> list[str]:
    problems = []
    for name, module in _modules(files).items():
        if module["moduleType"] not in ("search", "trigger"):
            continue
        params = _code(files, module, "mappableParams" if module["moduleType"] == "search" else "staticParams")
        response = _code(files, module, "communication")["response"]
        if "limit" not in [p["name"] for p in params] or response.get("limit") != "{{parameters.limit}}":
            problems.append(f"{name} has no limit parameter feeding response.limit")
    return problems


def pagination_where_the_connector_pages(files: Files) -> list[str]:
    """The connector pages only the events (X-Next-Cursor); every module reading them follows the pages."""
    return [
        f"{name} reads /v1/triggers without pagination"
        for name, module in _modules(files).items()
        if module["moduleType"] == "trigger" and "pagination" not in _code(files, module, "communication")
    ]


def dates_are_date_parameters(files: Files) -> list[str]:
    problems = []
    modules = _modules(files)
    for action in CATALOG["actions"]:
        module = modules[make_app.camel(action["key"])]
        params = {p["name"]: p for p in _code(files, module, "mappableParams")}
        request = _code(files, module, "communication")
        sent = json.dumps(request.get("body") if action["kind"] == "create" else request.get("qs"))
        for field in action["input_fields"]:
            if not field.get("format"):
                continue
            if params[field["key"]]["type"] != "date":
                problems.append(f"{action['key']}.{field['key']} is a {params[field['key']]['type']} parameter, not a date")
            if field["format"] == "date" and f'formatDate(parameters.{field["key"]}, \\"YYYY-MM-DD\\")' not in sent:
                problems.append(f"{action['key']}.{field['key']} is not sent as the contract's YYYY-MM-DD")
    return problems


_PROPER = {"API", "ID"}


def labels_sentence_case(files: Files) -> list[str]:
    problems = []
    for name, module in _modules(files).items():
        first, *rest = module["label"].split(" ")
        if not first[:1].isupper() or [w for w in rest if w[:1].isupper() and w not in _PROPER]:
            problems.append(f"{name}: {module['label']!r} is not sentence case")
        kind = module["moduleType"]
        if kind in ("trigger", "instant_trigger") and first != "Watch":
            problems.append(f"{name}: a trigger's label starts with Watch")
        if kind == "search" and first not in ("Search", "List"):
            problems.append(f"{name}: a search's label starts with Search or List")
        if kind == "action" and not re.match(r"^[A-Z][a-z]+ (a|an|the) ", module["label"]):
            problems.append(f"{name}: an action's label is a verb and its object ({module['label']!r})")
    return problems


def descriptions(files: Files) -> list[str]:
    problems = []
    for name, module in _modules(files).items():
        text = module.get("description", "")
        if not text.endswith(".") or not text[:1].isupper() or "7stamp" in text:
            problems.append(f"{name}: description {text!r}")
        if module["moduleType"] in ("trigger", "instant_trigger") and not text.startswith("Triggers "):
            problems.append(f"{name}: a trigger's description starts 'Triggers when'")
    return problems


def one_bundle_is_an_action(files: Files) -> list[str]:
    problems = []
    for name, module in _modules(files).items():
        if module["moduleType"] not in ("action", "search"):
            continue
        iterates = "iterate" in _code(files, module, "communication")["response"]
        if iterates != (module["moduleType"] == "search"):
            problems.append(f"{name} is a {module['moduleType']} but {'iterates' if iterates else 'returns one bundle'}")
    return problems


def icon(files: Files) -> list[str]:
    size = png_size(files.get("listing/icon.png", b""))
    return [] if size == (make_app.ICON_SIZE, make_app.ICON_SIZE) else [f"listing/icon.png is {size}, not 512x512"]


def _set(key: str, value: Any) -> Any:
    return lambda module: module.__setitem__(key, value)


def _drop_limit(files: Files) -> Files:
    module = _modules(files)["findCustomer"]
    path = module["codeFiles"]["communication"]
    return edited(files, path, lambda code: code["response"].pop("limit"))


def _text_date(files: Files) -> Files:
    path = _modules(files)["issueCard"]["codeFiles"]["mappableParams"]
    return edited(files, path, lambda params: [p.update(type="text") for p in params if p["name"] == "birthday"])


def _no_pagination(files: Files) -> Files:
    path = _modules(files)["watchStampAdded"]["codeFiles"]["communication"]
    return edited(files, path, lambda code: code.pop("pagination"))


def _iterate_single(files: Files) -> Files:
    path = _modules(files)["findVoucher"]["codeFiles"]["communication"]
    return edited(files, path, lambda code: code.__setitem__("response", {"iterate": "{{body}}", "output": "{{item}}"}))


RULES = [
    Rule(
        "universal-module",
        f"{DOCS}/app-components/modules/universal-module/rest",
        universal_module,
        lambda f: _module_edit(f, "makeAnApiCall", _set("label", "Make an API Call")),
    ),
    Rule("limit-on-every-search", f"{DOCS}/best-practices/modules/search-modules", limit_on_searches, _drop_limit),
    Rule("pagination", f"{DOCS}/app-components/base/pagination", pagination_where_the_connector_pages, _no_pagination),
    Rule("dates-are-date-parameters", f"{DOCS}/app-components/parameters/date", dates_are_date_parameters, _text_date),
    Rule(
        "labels-sentence-case",
        f"{DOCS}/best-practices/naming-conventions/modules/module-labels",
        labels_sentence_case,
        lambda f: _module_edit(f, "addStamp", _set("label", "Add Stamp")),
    ),
    Rule(
        "descriptions",
        f"{DOCS}/best-practices/naming-conventions/modules/module-descriptions",
        descriptions,
        lambda f: _module_edit(f, "watchStampAdded", _set("description", "Watch 7stamp stamps")),
    ),
    Rule("one-bundle-is-an-action", f"{DOCS}/app-components/modules", one_bundle_is_an_action, _iterate_single),
    Rule(
        "icon",
        f"{DOCS}/make-apps-editor/develop-apps-in-vs-code/set-the-apps-icon-in-vs-code",
        icon,
        lambda f: {**f, "listing/icon.png": b"GIF89a"},
    ),
]

test_the_export_passes, test_the_rule_fails_on_a_seeded_defect = rule_tests(RULES, "make_review_app")
