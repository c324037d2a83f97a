"""The generated Make app: every file valid against Make's app schemas, and wired to the connector's routes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from chalicelib import catalog
from platforms.common import IDEMPOTENCY_INPUT
from platforms.make.generate import rpc_name

SCHEMAS = Path(__file__).resolve().parents[3] / "shared" / "make-app-schemas"
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
MODULE_OR_RPC_ID = re.compile(r"^[a-zA-Z][0-9a-zA-Z]{3,47}$")  # Make's rule, as the extension's validate-id.ts checks it


@pytest.fixture(scope="module")
def registry() -> Registry:
    """The schemas under their file URIs plus the draft-07 meta-schema: every $ref resolves locally, nothing is fetched."""
    assert (SCHEMAS / "makecomapp.schema.json").is_file(), f"Make's app schemas are expected in {SCHEMAS}"
    resources = [(p.resolve().as_uri(), Resource.from_contents(json.loads(p.read_text()), default_specification=DRAFT7)) for p in SCHEMAS.glob("*.json")]
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
    assert set(make_files) == referenced, "every generated file is a code of the app, and every code is generated"


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
        [(name, webhook)] = [(n, w) for n, w in components["webhook"].items() if _code(make_files, w, "attach")["body"]["event"] == trigger["key"]]
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
    by_path = {_code(make_files, m, "communication")["url"]: m for m in components["module"].values() if m["moduleType"] in ("action", "search")}
    for action in CATALOG["actions"]:
        module = by_path[action["path"]]
        assert module["label"] == action["label"]
        assert _code(make_files, module, "communication")["method"] == action["method"]
        params = _code(make_files, module, "mappableParams")
        wanted = [f["key"] for f in action["input_fields"]] + ([IDEMPOTENCY_INPUT["key"]] if action["kind"] == "create" else [])
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
