"""The generated Make app: every file valid against Make's app schemas, its IML parsed, and wired to the connector's routes."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from chalicelib.contract import catalog
from platforms.common import IDEMPOTENCY_INPUT
from platforms.make.generate import module_label, rpc_name

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "platforms" / "make" / "schemas"  # Make's own, copied with LICENSE.md and SOURCE.txt
IML_CALLS = Path(__file__).with_name("iml_calls.js")
NODE_MODULES = ROOT / "platforms" / "zapier" / "node_modules"  # the tests' Node packages (acorn among them)
CATALOG = catalog.catalog()

# Which schema checks which code, as Make's VS Code extension associates them (its package.json,
# contributes.jsonValidation: *.communication/attach/detach -> api.json, *.params, *.static-params,
# *.mappable-params, *.interface -> parameters.json, *.samples -> samples.json, *.epoch -> epoch.json).
SCHEMA_OF_CODE = {
    "communication": "api.json",
    "attach": "api.json",
    "detach": "api.json",
    "params": "parameters.json",
    "staticParams": "parameters.json",
    "mappableParams": "parameters.json",
    "interface": "parameters.json",
    "samples": "samples.json",
    "epoch": "epoch.json",
}
SCHEMA_OF_GENERAL = {"base": "base.json", "groups": "groups.json"}
# Make's documented built-in functions (developers.make.com, "Functions": general, math, text,
# date and time, array). A custom app may add its own IML functions; this one has none.
MAKE_FUNCTIONS = frozenset(
    """get if ifempty switch omit pick mergeCollections
    average ceil floor formatNumber max min parseNumber round sum
    ascii base64 capitalize contains decodeURL encodeURL escapeHTML escapeMarkdown indexOf length lower md5
    replace replaceEmojiCharacters sha1 sha256 sha512 split startcase stripHTML substring toBinary toString trim upper
    addDays addHours addMinutes addMonths addSeconds addYears formatDate parseDate setDate setDay setHour
    setMinute setMonth setSecond setYear
    add arrayDifference deduplicate distinct first flatten join keys last map merge remove reverse shuffle slice
    sort toArray toCollection""".split()
)
IML = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
MODULE_OR_RPC_ID = re.compile(r"^[a-zA-Z][0-9a-zA-Z]{3,47}$")  # Make's rule, as the extension's validate-id.ts checks it


@pytest.fixture(scope="module")
def registry() -> Registry:
    """The schemas under their file URIs plus the draft-07 meta-schema: every $ref resolves locally, nothing is fetched."""
    assert (SCHEMAS / "makecomapp.schema.json").is_file(), f"Make's app schemas are expected in {SCHEMAS}"
    resources = [
        (p.resolve().as_uri(), Resource.from_contents(json.loads(p.read_text()), default_specification=DRAFT7))
        for p in SCHEMAS.glob("*.json")
    ]
    meta = Resource.from_contents(Draft7Validator.META_SCHEMA)
    return Registry().with_resources(resources).with_resource("http://json-schema.org/draft-07/schema", meta)


def errors_of(registry: Registry, schema: str, instance: Any) -> list[str]:
    validator = Draft7Validator({"$ref": (SCHEMAS / schema).resolve().as_uri()}, registry=registry)
    return [f"{list(e.absolute_path)}: {e.message[:300]}" for e in validator.iter_errors(instance)]


def test_every_file_validates_against_makes_schemas(make_files: dict[str, str], registry: Registry) -> None:
    app = json.loads(make_files["makecomapp.json"])
    problems = {"makecomapp.json": errors_of(registry, "makecomapp.schema.json", app)}
    for kind, schema in SCHEMA_OF_GENERAL.items():
        path = app["generalCodeFiles"][kind]
        problems[path] = errors_of(registry, schema, json.loads(make_files[path]))
    for components in app["components"].values():
        for component in components.values():
            for code, path in component["codeFiles"].items():
                problems[path] = errors_of(registry, SCHEMA_OF_CODE[code], json.loads(make_files[path]))
    assert {path: found for path, found in problems.items() if found} == {}
    referenced = set(problems) | {app["generalCodeFiles"]["readme"]}
    beside = {path for path in make_files if path.startswith(("listing/", "blueprints/"))}  # the listing's material, the scenarios
    assert set(make_files) - beside == referenced, "every generated file is a code of the app, and every code is generated"


def test_the_validation_is_not_vacuous(registry: Registry) -> None:
    assert errors_of(registry, "api.json", {"url": "/v1/hooks", "method": "POST"})  # a POST needs a body
    assert errors_of(registry, "parameters.json", [{"name": "x", "type": "no-such-type"}])
    assert errors_of(registry, "makecomapp.schema.json", {"fileVersion": 1})


def _code(make_files: dict[str, str], component: dict[str, Any], code: str) -> Any:
    return json.loads(make_files[component["codeFiles"][code]])


def test_triggers_webhooks_and_polling_modules(make_files: dict[str, str]) -> None:
    components = json.loads(make_files["makecomapp.json"])["components"]
    instants = {m["webhook"]: m for m in components["module"].values() if m["moduleType"] == "instant_trigger"}
    polls = {_code(make_files, m, "communication")["url"]: m for m in components["module"].values() if m["moduleType"] == "trigger"}
    for trigger in CATALOG["triggers"]:
        [(name, webhook)] = [
            (n, w) for n, w in components["webhook"].items() if _code(make_files, w, "attach")["body"]["event"] == trigger["key"]
        ]
        attach = _code(make_files, webhook, "attach")
        assert (attach["method"], attach["url"], attach["body"]["target_url"]) == ("POST", "/v1/hooks", "{{webhook.url}}")
        assert _code(make_files, webhook, "detach") == {"url": "/v1/hooks/{{webhook.externalHookId}}", "method": "DELETE"}
        assert [p["name"] for p in _code(make_files, webhook, "params")] == [f["key"] for f in trigger["filters"]]
        assert _code(make_files, instants[name], "samples") == trigger["sample"]
        poll = polls[f"/v1/triggers/{trigger['key']}"]
        assert _code(make_files, poll, "communication")["response"]["trigger"]["order"] == "desc"
        assert "epoch" in poll["codeFiles"]
        assert _code(make_files, poll, "interface") == _code(make_files, instants[name], "interface")


def test_actions_searches_and_dropdowns(make_files: dict[str, str]) -> None:
    components = json.loads(make_files["makecomapp.json"])["components"]
    for name in [*components["module"], *components["rpc"]]:
        assert MODULE_OR_RPC_ID.match(name), name
    by_path = {
        _code(make_files, m, "communication")["url"]: m for m in components["module"].values() if m["moduleType"] in ("action", "search")
    }
    for action in CATALOG["actions"]:
        module = by_path[action["path"]]
        assert module["label"] == module_label(action) and module["description"] == action["help"]
        assert _code(make_files, module, "communication")["method"] == action["method"]
        params = _code(make_files, module, "mappableParams")
        wanted = [f["key"] for f in action["input_fields"]] + ([IDEMPOTENCY_INPUT["key"]] if action["kind"] == "create" else [])
        if module["moduleType"] == "search" and "limit" not in wanted:
            wanted.append("limit")  # Make's limit on every search (tests/platforms/test_make_review.py)
        assert [p["name"] for p in params] == wanted
        for field, param in zip(action["input_fields"], params, strict=False):
            if field.get("dynamic"):
                assert param["options"] == f"rpc://{rpc_name(field['dynamic'])}" and rpc_name(field["dynamic"]) in components["rpc"]
    for option in CATALOG["options"]:
        assert _code(make_files, components["rpc"][rpc_name(option["key"])], "communication")["url"] == option["path"]


def test_connection_and_base(make_files: dict[str, str]) -> None:
    [connection] = json.loads(make_files["makecomapp.json"])["components"]["connection"].values()
    test_call = _code(make_files, connection, "communication")
    assert test_call["url"].endswith("/v1/me") and test_call["headers"] == {"X-API-Key": "{{parameters.apiKey}}"}
    assert test_call["response"]["metadata"]["value"] == "{{body.location_name}}"
    base = json.loads(make_files["general/base.iml.json"])
    assert base["headers"] == {"X-API-Key": "{{connection.apiKey}}"}
    assert base["response"]["error"]["429"]["type"] == "RateLimitError"
    assert base["response"]["error"]["401"]["type"] == "InvalidAccessTokenError"


def _strings(value: Any) -> list[str]:
    """Every string inside a JSON value (keys included: Make evaluates IML in both)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def parse_iml(expressions: list[str]) -> list[dict[str, Any]]:
    """Each expression parsed by acorn (a JavaScript parser): the functions it calls, or its syntax error."""
    if shutil.which("node") is None or not (NODE_MODULES / "acorn" / "package.json").exists():
        pytest.fail("Node 20 and acorn are needed: run `make test` (it runs npm install in platforms/zapier)")
    env = {**os.environ, "NODE_PATH": str(NODE_MODULES)}
    done = subprocess.run(["node", str(IML_CALLS)], input=json.dumps(expressions), capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout))


def test_every_iml_expression_parses_and_calls_only_makes_functions(make_files: dict[str, str]) -> None:
    expressions = sorted(
        {
            m
            for path, text in make_files.items()
            if path.endswith(".json") and not path.startswith("blueprints/")  # a scenario's mappings are the editor's dialect
            for s in _strings(json.loads(text))
            for m in IML.findall(s)
        }
    )
    assert len(expressions) > 20
    parsed = parse_iml([e for e in expressions if e != "..."])  # `{{...}}`: Make's spread of a collection into an object
    assert [p for p in parsed if "error" in p] == []
    unknown = {(p["expression"], call) for p in parsed for call in p["calls"] if call not in MAKE_FUNCTIONS}
    assert unknown == set()
    called = {call for p in parsed for call in p["calls"]}
    assert {"parseDate", "split", "get", "ifempty", "omit", "join"} <= called


def test_the_iml_check_is_not_vacuous() -> None:
    scenario_form, unknown, fine = parse_iml(
        ['parseDate(get(split(item.id; "_"); 2); "x")', "jsonParse(body)", "if(ifempty(a, b) > 1, c, d)"]
    )
    assert "error" in scenario_form
    assert unknown["calls"] == ["jsonParse"] and "jsonParse" not in MAKE_FUNCTIONS
    assert sorted(fine["calls"]) == ["if", "ifempty"]


def test_watch_modules_send_the_triggers_filters_and_blank_filters_are_not_sent(make_files: dict[str, str]) -> None:
    components = json.loads(make_files["makecomapp.json"])["components"]
    polls = {_code(make_files, m, "communication")["url"]: m for m in components["module"].values() if m["moduleType"] == "trigger"}
    hooks = {_code(make_files, w, "attach")["body"]["event"]: w for w in components["webhook"].values()}
    for trigger in CATALOG["triggers"]:
        poll = polls[f"/v1/triggers/{trigger['key']}"]
        keys = [f["key"] for f in trigger["filters"]]
        assert [p["name"] for p in _code(make_files, poll, "staticParams")] == [*keys, "limit"]
        communication = _code(make_files, poll, "communication")
        query = communication["qs"]
        assert set(query) == {"limit", "settled", *keys}
        # settled answers, read page by page back to the last event Make processed
        assert query["settled"] == "1" and communication["response"]["trigger"]["type"] == "date"
        assert communication["pagination"]["qs"]["before"] == communication["pagination"]["condition"] == '{{headers["x-next-cursor"]}}'
        body = _code(make_files, hooks[trigger["key"]], "attach")["body"]["filters"]
        for key in keys:
            assert "omit(" in body and f"ifempty(parameters.{key}, false)" in body, body
    voucher = _code(make_files, polls["/v1/triggers/voucher_redeemed"], "communication")["qs"]
    assert voucher["voucher_type"] == '{{join(parameters.voucher_type, ",")}}'
