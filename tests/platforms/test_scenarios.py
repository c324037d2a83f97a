"""The ready-made scenarios each app ships: every mapped field exists, and each platform's file holds its own format.

n8n's workflows name only node types the installed n8n ships (test_n8n_app.py also imports them into a real n8n);
Make's blueprints only this app's modules or another app's; Power Automate's flows only this connector's operations.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from review import PUBLIC_URL, listed

from chalicelib.contract import catalog
from platforms.listing import scenarios
from platforms.make import generate as make_app
from platforms.n8n import generate as n8n_app
from platforms.powerautomate import generate as powerautomate_app
from platforms.zapier import generate as zapier_app

CATALOG = catalog.catalog()
N8N_NODES = Path(__file__).with_name("n8n") / "node_modules" / "n8n-nodes-base" / "package.json"
OUTPUTS = {t["key"]: {f["key"] for f in t["output_fields"]} for t in CATALOG["triggers"]} | {
    a["key"]: {f["key"] for f in a["output_fields"]} for a in CATALOG["actions"]
}
INPUTS = {a["key"]: {f["key"] for f in a["input_fields"]} | {"idempotency_key"} for a in CATALOG["actions"]}


def test_there_is_one_of_each_scenario_the_listing_promises() -> None:
    assert [s.slug for s in scenarios.SCENARIOS] == [
        "voucher-redeemed-tag-contact",
        "goal-reached-notify-slack",
        "birthday-crm-task",
        "web-order-stamps",
    ]


@pytest.mark.parametrize("scenario", scenarios.SCENARIOS, ids=lambda s: s.slug)
def test_every_mapping_names_an_output_of_an_earlier_step(scenario: scenarios.Scenario) -> None:
    steps = scenario.all_steps
    for user, source, path in scenarios.references(scenario):
        assert source < user, f"step {user} maps step {source}, which comes after it"
        if steps[source].app is None:
            assert path in OUTPUTS[steps[source].operation], f"{steps[source].operation} has no output {path}"
    for step in steps:
        if step.app is None and step.operation in INPUTS:
            assert set(step.fields) <= INPUTS[step.operation], step.fields
        if step.app is not None:
            assert set(step.ids) == {"make", "n8n", "powerautomate"}, step


def test_a_mapping_to_a_field_that_does_not_exist_is_caught() -> None:
    broken = scenarios.Scenario(
        "x", "X", "X.", scenarios.Step("goal_reached"), (scenarios.Step("Post", {"text": "{0:customer.shoe_size}"}, "Slack"),)
    )
    [(user, source, path)] = scenarios.references(broken)
    assert (user, source) == (1, 0) and path not in OUTPUTS["goal_reached"]


def _json_files(files: dict[str, Any], folder: str) -> dict[str, Any]:
    return {path: json.loads(text) for path, text in files.items() if path.startswith(folder)}


def test_n8n_workflows_use_nodes_n8n_ships_and_connect_them() -> None:
    shipped = json.loads(N8N_NODES.read_text())["n8n"]["nodes"]
    known = {
        f"n8n-nodes-base.{Path(p).name.removesuffix('.node.js')[:1].lower()}{Path(p).name.removesuffix('.node.js')[1:]}" for p in shipped
    }
    ours = {f"{n8n_app.NAME}.{name}" for name in n8n_app.NODE_NAMES.values()}
    workflows = _json_files(n8n_app.generate(CATALOG, PUBLIC_URL, listing=listed()), "workflows/")
    assert len(workflows) == len(scenarios.SCENARIOS)
    shipped_catalog = n8n_app.package_catalog(CATALOG, PUBLIC_URL, listed())
    for path, workflow in workflows.items():
        names = [node["name"] for node in workflow["nodes"]]
        assert len(set(names)) == len(names), path
        for node in workflow["nodes"]:
            assert node["type"] in known | ours, f"{path}: n8n has no node {node['type']}"
            if node["type"] == f"{n8n_app.NAME}.sevenStamp":
                [action] = [a for a in shipped_catalog["actions"] if a["key"] == node["parameters"]["operation"]]
                assert node["parameters"]["resource"] == action["resource"].lower().replace(" ", "_")
        for source, outputs in workflow["connections"].items():
            assert source in names and all(link["node"] in names for group in outputs["main"] for link in group), path
        for node in workflow["nodes"]:
            for value in node["parameters"].values():
                for referenced in re.findall(r"\$\('([^']+)'\)", str(value)):
                    assert referenced in names, f"{path}: {referenced}"


def test_make_blueprints_use_this_apps_modules() -> None:
    files = make_app.generate(CATALOG, PUBLIC_URL, listing=listed())
    modules = set(json.loads(files["makecomapp.json"])["components"]["module"])
    for path, blueprint in _json_files(files, "blueprints/").items():
        assert blueprint["name"] and blueprint["metadata"]["version"] == 1
        for index, module in enumerate(blueprint["flow"], start=1):
            app, name = module["module"].split(":")
            assert module["id"] == index and (app != "sevenstamp" or name in modules), f"{path}: {module['module']}"
            for value in module["mapper"].values():
                assert all(int(n) < index for n in re.findall(r"\{\{([0-9]+)\.", str(value))), f"{path}: {value}"


def test_power_automate_flows_call_this_connectors_operations() -> None:
    files = powerautomate_app.generate(CATALOG, PUBLIC_URL, listing=listed())
    swagger = json.loads(files["apiDefinition.swagger.json"])
    operations = {op["operationId"]: op for ops in swagger["paths"].values() for op in ops.values()}
    for path, flow in _json_files(files, "flows/").items():
        assert flow["$schema"].endswith("/workflowdefinition.json#")
        steps = [*flow["triggers"].items(), *flow["actions"].items()]
        for name, step in steps:
            host = step["inputs"]["host"]
            if host["connectionName"] == "shared_sevenstamp":
                operation = operations[host["operationId"]]
                assert bool(operation.get("x-ms-trigger")) == (step["type"] == "OpenApiConnectionWebhook"), f"{path}: {name}"
        names = [name for name, _ in steps]
        for name, action in flow["actions"].items():
            assert all(before in names[: names.index(name)] for before in action["runAfter"]), f"{path}: {name}"


def test_zap_templates_name_this_apps_operations() -> None:
    files = zapier_app.generate(CATALOG, PUBLIC_URL, listing=listed())
    for path, template in _json_files(files, "zap-templates/").items():
        for step in template["steps"]:
            if step["app"] == "7stamp":
                assert step["key"] in OUTPUTS, f"{path}: {step['key']}"
