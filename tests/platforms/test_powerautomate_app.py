"""The Power Automate custom connector: valid for Microsoft's published schemas, and its webhook flow run against the stack.

The flow is driven from the exported files alone, as Power Automate reads them: the trigger's
path through the routing policy of apiProperties.json, the body with the callback URL in the
property marked ``x-ms-notification-url``, the key in the header the security definition names,
and the ``Location`` of the 201 answer as the URL it DELETEs when the flow is turned off.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import json5
import pytest
from jsonschema import Draft4Validator, Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from chalicelib.contract import catalog
from platforms import export
from platforms.common import sentence, when
from sandbox import DEMO_KEY_A
from stack.receiver import HookReceiver

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "platforms" / "powerautomate" / "schemas"  # Microsoft's, copied with LICENSE and SOURCE.txt
CATALOG = catalog.catalog()


def _schema(name: str) -> Any:
    """Microsoft's schema files carry comments and trailing commas (JSON with comments): json5 reads them."""
    return json5.loads((SCHEMAS / name).read_text())


def swagger_errors(document: Any) -> list[str]:
    meta = Resource.from_contents(Draft4Validator.META_SCHEMA, default_specification=DRAFT4)
    validator = Draft4Validator(
        _schema("apiDefinition.swagger.schema.json"), registry=Registry().with_resource("http://json-schema.org/draft-04/schema", meta)
    )
    return [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(document)]


def properties_errors(document: Any) -> list[str]:
    return [
        f"{list(e.absolute_path)}: {e.message[:200]}"
        for e in Draft7Validator(_schema("paconn-apiProperties.schema.json")).iter_errors(document)
    ]


def exported(out: Path, url: str) -> tuple[dict[str, Any], dict[str, Any]]:
    assert export.main(["--platform", "powerautomate", "--url", url, "--out", str(out)]) == 0
    return json.loads((out / "apiDefinition.swagger.json").read_text()), json.loads((out / "apiProperties.json").read_text())


@pytest.fixture(scope="module")
def connector_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    return exported(tmp_path_factory.mktemp("powerautomate") / "app", "https://abc.execute-api.eu-west-1.amazonaws.com/api")


def test_both_files_validate_against_microsofts_schemas(connector_files: tuple[dict[str, Any], dict[str, Any]]) -> None:
    swagger, properties = connector_files
    assert swagger_errors(swagger) == []
    assert properties_errors(properties) == []
    assert (swagger["swagger"], swagger["host"], swagger["basePath"], swagger["schemes"]) == (
        "2.0",
        "abc.execute-api.eu-west-1.amazonaws.com",
        "/api",
        ["https"],
    )


def test_the_validation_is_not_vacuous(connector_files: tuple[dict[str, Any], dict[str, Any]]) -> None:
    swagger, properties = connector_files
    assert swagger_errors({**swagger, "swagger": "3.0"})
    broken = json.loads(json.dumps(swagger))
    broken["paths"]["/v1/actions/add-stamp"]["post"]["parameters"][0]["schema"]["properties"]["count"]["x-ms-visibility"] = "sometimes"
    assert swagger_errors(broken)
    assert properties_errors({"properties": {"connectionParameters": {}}})  # iconBrandColor is required


def _operations(swagger: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    return {op["operationId"]: (path, method, op) for path, item in swagger["paths"].items() for method, op in item.items()}


def test_a_webhook_trigger_per_event_and_an_operation_per_action(connector_files: tuple[dict[str, Any], dict[str, Any]]) -> None:
    swagger, properties = connector_files
    operations = _operations(swagger)
    triggers = {
        op["parameters"][0]["schema"]["properties"]["event"]["default"]: op for _, _, op in operations.values() if op.get("x-ms-trigger")
    }
    assert sorted(triggers) == sorted(t["key"] for t in CATALOG["triggers"])
    for trigger in CATALOG["triggers"]:
        op = triggers[trigger["key"]]
        body = op["parameters"][0]["schema"]["properties"]
        assert op["x-ms-trigger"] == "single" and op["description"] == trigger["help"] and op["summary"] == when(trigger["label"])
        assert body["target_url"]["x-ms-notification-url"] is True and body["target_url"]["x-ms-visibility"] == "internal"
        assert sorted(body["filters"]["properties"]) == sorted(f["key"] for f in trigger["filters"])
        assert "Location" in op["responses"]["201"]["headers"]
    [routing] = properties["properties"]["policyTemplateInstances"]
    assert sorted(routing["parameters"]["x-ms-apimTemplate-operationName"]) == sorted(op["operationId"] for op in triggers.values())
    assert routing["parameters"]["x-ms-apimTemplateParameter.newPath"] == "/v1/hooks"
    assert operations["DeleteSubscription"][:2] == ("/v1/hooks/{id}", "delete")
    for action in CATALOG["actions"]:
        path, method, op = next(o for o in operations.values() if o[0] == action["path"])
        assert (method.upper(), op["summary"], op["description"]) == (action["method"], sentence(action["label"]), action["help"])
    dropdowns = [v["x-ms-dynamic-values"]["operationId"] for v in _walk(swagger["paths"]) if "x-ms-dynamic-values" in v]
    assert dropdowns and set(dropdowns) <= set(operations)
    assert {operations[d][2]["x-ms-visibility"] for d in dropdowns} == {"internal"}
    assert properties["properties"]["connectionParameters"]["api_key"]["type"] == "securestring"
    assert swagger["securityDefinitions"]["api_key"] == {"type": "apiKey", "in": "header", "name": "X-API-Key"}


def _walk(value: Any) -> list[dict[str, Any]]:
    """Every object inside a JSON value."""
    if isinstance(value, dict):
        return [value, *(o for v in value.values() for o in _walk(v))]
    if isinstance(value, list):
        return [o for v in value for o in _walk(v)]
    return []


class PowerAutomate:
    """Calls the connector as Power Automate does, reading everything from the exported files."""

    def __init__(self, swagger: dict[str, Any], properties: dict[str, Any], key: str) -> None:
        self.swagger, self.properties = swagger, properties
        self.base = f"{swagger['schemes'][0]}://{swagger['host']}{swagger['basePath'].rstrip('/')}"
        scheme = swagger["securityDefinitions"]["api_key"]
        self.headers = {scheme["name"]: key}
        self.operations = _operations(swagger)

    def _routed(self, operation_id: str, path: str) -> str:
        for policy in self.properties["properties"].get("policyTemplateInstances", []):
            if policy["templateId"] == "routerequesttoendpoint" and operation_id in policy["parameters"]["x-ms-apimTemplate-operationName"]:
                return str(policy["parameters"]["x-ms-apimTemplateParameter.newPath"])
        return path

    def turn_on(self, event: str, callback_url: str, **filters: list[str]) -> str:
        """Subscribe the flow's trigger; returns the Location to DELETE."""
        operation_id, (path, _, op) = next(
            (i, o)
            for i, o in self.operations.items()
            if o[2].get("x-ms-trigger") and o[2]["parameters"][0]["schema"]["properties"]["event"]["default"] == event
        )
        schema = op["parameters"][0]["schema"]["properties"]
        body: dict[str, Any] = {name: spec["default"] for name, spec in schema.items() if "default" in spec}
        body.update({name: callback_url for name, spec in schema.items() if spec.get("x-ms-notification-url")})
        body["filters"] = filters
        answer = httpx.post(self.base + self._routed(operation_id, path), json=body, headers=self.headers, timeout=30)
        assert answer.status_code == 201, answer.text
        return str(answer.headers["Location"])

    def turn_off(self, location: str) -> int:
        return httpx.delete(location, headers=self.headers, timeout=30).status_code

    def run(self, operation_id: str, **inputs: Any) -> Any:
        path, method, _ = self.operations[operation_id]
        call = {"json": inputs} if method == "post" else {"params": inputs}
        answer = httpx.request(method.upper(), self.base + path, headers=self.headers, timeout=30, **call)
        assert answer.status_code == 200, answer.text
        return answer.json()


def test_subscribe_notify_unsubscribe_as_power_automate_does(stack: Any, tmp_path: Path) -> None:
    flow = PowerAutomate(*exported(tmp_path / "app", stack.connector), DEMO_KEY_A)
    callback = HookReceiver().start()
    stack.worker.start()
    try:
        location = flow.turn_on("stamp_added", callback.url, card_template_id=["ct_a_coffee"])
        stamped = flow.run("AddStamp", card_id="card_demo_a", count=2)
        flow.run("AddStamp", email="lunch@example.com", template_id="ct_a_lunch", issue_card_if_missing=True)
        [notified] = callback.wait_for(1, timeout=30)
        record = notified.json()
        assert (record["event"], record["card"]["id"], record["enriched"]) == ("stamp_added", "card_demo_a", True)
        assert record["card"]["stamps"] == stamped["stamps"]

        assert flow.turn_off(location) == 204
        flow.run("AddStamp", card_id="card_demo_a")
        stack.settle()
        assert len(callback.received) == 1  # nothing after the flow was turned off (and not the lunch card before)
        assert flow.turn_off(location) == 404
        [found] = flow.run("FindCustomer", card_id="card_demo_a")
        assert found["stamps"] == stamped["stamps"] + 1
    finally:
        stack.worker.stop()
        callback.stop()
