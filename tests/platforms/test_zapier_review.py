"""Zapier's integration checks and publishing requirements, as checks on a fresh export run by Zapier's own runtime.

Each rule cites its source and is seen to fail on a seeded defect. Zapier's schema validation and the runtime
tests against the local stack are in test_zapier_app.py.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from review import PUBLIC_URL, Rule, listed, png_size, rule_tests
from zapier_runner import ZapierRunner

from chalicelib.contract import catalog
from platforms.common import write_app
from platforms.zapier import generate as zapier_app

CHECKS = "https://docs.zapier.com/platform/publish/integration-checks-reference"
REQUIREMENTS = "https://docs.zapier.com/platform/publish/public-integration"
ERRORS = "https://docs.zapier.com/platform/build/error-handling"
DESCRIPTION_WORDS = 30


@dataclass
class ZapierApp:
    """What the rules read: the app's definition and the errors its runtime raises for the connector's answers, and its files."""

    definition: dict[str, Any]
    errors: dict[int, dict[str, str] | None]
    logo: bytes
    folder: Path = field(compare=False)


ANSWERS = {
    409: {"error": {"code": "already_redeemed", "message": "The voucher was redeemed already"}},
    429: {"error": {"code": "rate_limited", "message": "Slow down"}},
    401: {"error": {"code": "unauthorized", "message": "Unknown API key"}},
}


def load(folder: Path) -> ZapierApp:
    runner = ZapierRunner(folder)
    try:
        definition = runner.definition()
        errors = {status: runner.error_for(status, body, {"retry-after": "30"}) for status, body in ANSWERS.items()}
    finally:
        runner.close()
    return ZapierApp(definition, errors, (folder / "listing" / "logo.png").read_bytes(), folder)


@pytest.fixture(scope="module")
def zapier_review_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ZapierApp]:
    out = tmp_path_factory.mktemp("zapier-review") / "app"
    write_app(out, "zapier", zapier_app.generate(catalog.catalog(), PUBLIC_URL, listing=listed()))
    yield load(out)


def _operations(definition: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for kind in ("triggers", "creates", "searches"):
        for key, operation in definition.get(kind, {}).items():
            yield kind, key, operation


def auth_help_links_to_the_key(app: ZapierApp) -> list[str]:
    fields = app.definition["authentication"]["fields"]
    return [
        f"{f['key']}: no link to where the key is found"
        for f in fields
        if not re.search(r"\[[^\]]+\]\(https://[^)]+\)", f.get("helpText", ""))
    ]


def id_fields_are_fed(app: ZapierApp) -> list[str]:
    """D004: an ID field has a dynamic dropdown or a search-powered field (a search's own ID input is what it is given)."""
    problems = []
    for kind, key, operation in _operations(app.definition):
        for f in operation["operation"].get("inputFields", []):
            if not f["key"].endswith("_id") or f.get("dynamic") or f.get("search"):
                continue
            own = kind == "searches" and zapier_app.SEARCH_FIELDS.get(f["key"], "").split(".")[0] == key
            if not own:
                problems.append(f"{kind}.{key}.{f['key']} is free text")
    return problems


def short_descriptions(app: ZapierApp) -> list[str]:
    problems = []
    for kind, key, operation in _operations(app.definition):
        text = operation["display"]["description"]
        if len(text.split()) > DESCRIPTION_WORDS or "7stamp" in text.lower():
            problems.append(f"{kind}.{key}: {len(text.split())} words{', names the app' if '7stamp' in text.lower() else ''}")
        if kind == "triggers" and not operation["display"].get("hidden") and not text.startswith("Triggers "):
            problems.append(f"{kind}.{key}: a trigger's description starts 'Triggers when'")
    return problems


def errors_by_kind(app: ZapierApp) -> list[str]:
    """A business rule's refusal halts the run (HaltedError), throttling is retried (ThrottledError), a bad key asks to reconnect."""
    wanted = {409: "HaltedError", 429: "ThrottledError"}
    problems = [
        f"{status} raises {(app.errors[status] or {}).get('name')}, not {name}"
        for status, name in wanted.items()
        if (app.errors[status] or {}).get("name") != name
    ]
    auth = app.errors[401] or {}
    if '"AuthenticationError"' not in auth.get("message", ""):
        problems.append(f"401 raises {auth}, not the authentication error that prompts to reconnect")
    return problems


def samples_and_outputs(app: ZapierApp) -> list[str]:
    return [
        f"{kind}.{key} has no sample or output fields"
        for kind, key, operation in _operations(app.definition)
        if not operation["operation"].get("sample") or not operation["operation"].get("outputFields")
    ]


def logo(app: ZapierApp) -> list[str]:
    size = png_size(app.logo)
    return [] if size == (zapier_app.LOGO_SIZE, zapier_app.LOGO_SIZE) else [f"listing/logo.png is {size}, not 256x256"]


def _definition(app: ZapierApp, change: Any) -> ZapierApp:
    definition = copy.deepcopy(app.definition)
    change(definition)
    return ZapierApp(definition, app.errors, app.logo, app.folder)


def _plain_errors(app: ZapierApp) -> ZapierApp:
    """The app as it was before: a 409 raised as a plain error."""
    broken = app.folder.parent / "plain-errors"
    shutil.rmtree(broken, ignore_errors=True)
    shutil.copytree(app.folder, broken)
    connector = broken / "lib" / "connector.js"
    connector.write_text(connector.read_text().replace("new z.errors.HaltedError(", "new z.errors.Error("))
    return load(broken)


def _free_text_id(definition: dict[str, Any]) -> None:
    [customer_id] = [f for f in definition["creates"]["add_stamp"]["operation"]["inputFields"] if f["key"] == "customer_id"]
    customer_id.pop("search")


RULES = [
    Rule(
        "D002-auth-help-links-to-the-key",
        CHECKS,
        auth_help_links_to_the_key,
        lambda a: _definition(a, lambda d: d["authentication"]["fields"][0].update(helpText="Your API key.")),
    ),
    Rule("D004-id-fields-dynamic-or-search", CHECKS, id_fields_are_fed, lambda a: _definition(a, _free_text_id)),
    Rule(
        "short-descriptions-without-the-app-name",
        REQUIREMENTS,
        short_descriptions,
        lambda a: _definition(
            a, lambda d: d["triggers"]["stamp_added"]["display"].update(description="Triggers when 7stamp adds a stamp.")
        ),
    ),
    Rule("halted-throttled-and-auth-errors", ERRORS, errors_by_kind, _plain_errors),
    Rule(
        "samples-and-output-fields",
        CHECKS,
        samples_and_outputs,
        lambda a: _definition(a, lambda d: d["searches"]["find_customer"]["operation"].pop("sample")),
    ),
    Rule("logo-256-png", REQUIREMENTS, logo, lambda a: ZapierApp(a.definition, a.errors, json.dumps({}).encode(), a.folder)),
]

test_the_export_passes, test_the_rule_fails_on_a_seeded_defect = rule_tests(RULES, "zapier_review_app")
