"""Microsoft's certification requirements for Power Automate connectors, as checks on a fresh export.

Each rule cites its source and is seen to fail on a seeded defect. The schema validation of both files runs in
test_powerautomate_app.py.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from review import PUBLIC_URL, Rule, edited, listed, png_size, replaced, rule_tests, walk

from chalicelib.contract import catalog
from platforms.powerautomate import generate as powerautomate_app

CERTIFY = "https://learn.microsoft.com/en-us/connectors/custom-connectors/certification-submission"
SUBMIT = "https://learn.microsoft.com/en-us/connectors/custom-connectors/submit-certification"
SWAGGER = "apiDefinition.swagger.json"
Files = dict[str, Any]
_PROPER = {"ID", "API", "URL"}


@pytest.fixture(scope="module")
def powerautomate_review_app() -> Files:
    return powerautomate_app.generate(catalog.catalog(), PUBLIC_URL, listing=listed())


def _operations(files: Files) -> list[tuple[str, dict[str, Any]]]:
    return [(f"{m.upper()} {p}", op) for p, ops in json.loads(files[SWAGGER])["paths"].items() for m, op in ops.items()]


def summaries_sentence_case(files: Files) -> list[str]:
    problems = []
    for where, op in _operations(files):
        first, *rest = op["summary"].split(" ")
        if not first[:1].isupper() or op["summary"].endswith(".") or [w for w in rest if w[:1].isupper() and w not in _PROPER]:
            problems.append(f"{where}: summary {op['summary']!r}")
    return problems


def triggers_read_when(files: Files) -> list[str]:
    return [
        f"{where}: {op['summary']!r}"
        for where, op in _operations(files)
        if op.get("x-ms-trigger") and not re.match(r"^When (a|an|any) ", op["summary"])
    ]


def described_everywhere(files: Files) -> list[str]:
    """Every parameter and every property of a request or response schema has a description and x-ms-summary."""
    swagger = json.loads(files[SWAGGER])
    problems = []
    for where, op in _operations(files):
        for param in op.get("parameters", []):
            if not param.get("description") or not param.get("x-ms-summary"):
                problems.append(f"{where}: parameter {param['name']}")
    for where, node in walk({"paths": swagger["paths"], "definitions": swagger["definitions"]}):
        for name, prop in node.get("properties", {}).items() if isinstance(node.get("properties"), dict) else []:
            if not prop.get("description") or not prop.get("x-ms-summary"):
                problems.append(f"{where}/properties/{name}")
    return problems


def publisher_metadata(files: Files) -> list[str]:
    swagger = json.loads(files[SWAGGER])
    names = {entry["propertyName"]: entry["propertyValue"] for entry in swagger.get("x-ms-connector-metadata", [])}
    problems = [f"x-ms-connector-metadata has no {name}" for name in ("Website", "Privacy policy", "Categories") if not names.get(name)]
    contact = swagger["info"].get("contact", {})
    problems += [f"info.contact has no {key}" for key in ("name", "url", "email") if not contact.get(key)]
    properties = json.loads(files["apiProperties.json"])["properties"]
    if not properties.get("publisher") or not properties.get("stackOwner"):
        problems.append("apiProperties names no publisher and stack owner")
    return problems


def hints_in_words(files: Files) -> list[str]:
    return [
        f"{where}: {op.get('x-ms-trigger-hint')!r}"
        for where, op in _operations(files)
        if op.get("x-ms-trigger") and (not op.get("x-ms-trigger-hint") or re.search(r"\b[a-z]+_[a-z_]+\b", op["x-ms-trigger-hint"]))
    ]


def icon_and_colour(files: Files) -> list[str]:
    problems = []
    size = png_size(files.get("icon.png", b""))
    if size != (powerautomate_app.ICON_SIZE, powerautomate_app.ICON_SIZE):
        problems.append(f"icon.png is {size}, not 230x230")
    colour = json.loads(files["apiProperties.json"])["properties"].get("iconBrandColor", "")
    if not re.match(r"^#[0-9a-fA-F]{6}$", colour) or colour.lower() == "#ffffff":
        problems.append(f"iconBrandColor {colour!r}: a colour that is not white")
    return problems


def intro_and_readme(files: Files) -> list[str]:
    problems = [f"no {name}" for name in ("intro.md", "readme.md") if not files.get(name)]
    readme = files.get("readme.md", "")
    for section in ("## Publisher", "## Prerequisites", "## Supported operations", "## Obtaining credentials"):
        if section not in readme:
            problems.append(f"readme.md has no {section}")
    return problems


RULES = [
    Rule(
        "summaries-sentence-case",
        CERTIFY,
        summaries_sentence_case,
        lambda f: edited(f, SWAGGER, lambda s: s["paths"]["/v1/actions/add-stamp"]["post"].update(summary="Add Stamp")),
    ),
    Rule(
        "triggers-read-when",
        CERTIFY,
        triggers_read_when,
        lambda f: edited(f, SWAGGER, lambda s: s["paths"]["/v1/hooks/subscribe/stamp_added"]["post"].update(summary="Stamp added")),
    ),
    Rule(
        "described-everywhere",
        CERTIFY,
        described_everywhere,
        lambda f: edited(f, SWAGGER, lambda s: s["definitions"]["StampAddedEvent"]["properties"]["id"].pop("description")),
    ),
    Rule("publisher-metadata", SUBMIT, publisher_metadata, lambda f: edited(f, SWAGGER, lambda s: s.pop("x-ms-connector-metadata"))),
    Rule(
        "trigger-hints-in-words",
        CERTIFY,
        hints_in_words,
        lambda f: edited(
            f,
            SWAGGER,
            lambda s: s["paths"]["/v1/hooks/subscribe/stamp_added"]["post"].update(
                {"x-ms-trigger-hint": "make 7stamp send a stamp_added event"}
            ),
        ),
    ),
    Rule(
        "icon-and-brand-colour",
        CERTIFY,
        icon_and_colour,
        lambda f: replaced(f, "apiProperties.json", '"iconBrandColor": "#', '"iconBrandColor": "ff'),
    ),
    Rule("intro-and-readme", SUBMIT, intro_and_readme, lambda f: {k: v for k, v in f.items() if k != "intro.md"}),
]

test_the_export_passes, test_the_rule_fails_on_a_seeded_defect = rule_tests(RULES, "powerautomate_review_app")
