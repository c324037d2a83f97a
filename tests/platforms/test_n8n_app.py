"""The n8n community node package: built and linted by n8n's own @n8n/node-cli, then run in a real n8n.

In n8n (started on 127.0.0.1 with the package as a custom extension): a workflow with the
7stamp Trigger is activated, which subscribes it through the connector; the sandbox emits an
event and n8n records an execution carrying the enriched record; turning the workflow off
unsubscribes it. A workflow with the add-stamp action runs and the sandbox's card holds the stamps.
"""

from __future__ import annotations

import json
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from n8n_host import N8N, N8N_VERSION, N8n, installed, node_cli
from review import listed_file

from chalicelib.contract import catalog
from platforms import export
from sandbox import DEMO_KEY_A, DEMO_LOCATION_A

CATALOG = catalog.catalog()


def _exported(out: Path, url: str) -> Path:
    """The package as a publisher exports it: with publisher.json filled in (n8n-node lint wants the author's email)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    assert export.main(["--platform", "n8n", "--url", url, "--out", str(out), "--publisher", str(listed_file(out.parent))]) == 0
    return out


def _built(package: Path) -> Path:
    done = node_cli(package, "build")
    assert done.returncode == 0, done.stdout + done.stderr
    return package


@pytest.fixture(scope="module")
def package(connector_server: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package exported for the local stack's connector and built with `n8n-node build`."""
    return _built(_exported(tmp_path_factory.mktemp("n8n") / "n8n-nodes-sevenstamp", connector_server))


def test_the_package_builds_and_passes_n8n_node_lint(package: Path) -> None:
    manifest = json.loads((package / "package.json").read_text())
    for built in [*manifest["n8n"]["nodes"], *manifest["n8n"]["credentials"]]:
        assert (package / built).is_file(), built
    linted = node_cli(package, "lint")
    assert linted.returncode == 0, linted.stdout + linted.stderr
    assert not re.search(r"\b(error|warning)\b", linted.stdout + linted.stderr), linted.stdout


def test_the_lint_is_not_vacuous(package: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(package, broken, ignore=shutil.ignore_patterns("node_modules", "dist"))
    node = broken / "nodes" / "SevenStamp" / "SevenStamp.node.ts"
    node.write_text(node.read_text().replace("\t\tusableAsTool: true,\n", ""))
    linted = node_cli(broken, "lint")
    assert linted.returncode != 0 and "usableAsTool" in linted.stdout + linted.stderr


def test_the_nodes_offer_every_event_action_and_dropdown(package: Path) -> None:
    shipped = json.loads((package / "dist" / "nodes" / "shared" / "catalog.json").read_text())
    assert [t["label"] for t in shipped["triggers"]] == [t["label"] for t in CATALOG["triggers"]]
    assert [a["key"] for a in shipped["actions"]] == [a["key"] for a in CATALOG["actions"]]
    creates = [a for a in shipped["actions"] if a["kind"] == "create"]
    assert all("idempotency_key" in [f["key"] for f in a["inputs"]] for a in creates)
    assert {f["dynamic"] for a in shipped["actions"] for f in a["inputs"] if f.get("dynamic")} <= {o["key"] for o in shipped["options"]}


@pytest.fixture(scope="module")
def n8n(package: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[N8n]:
    installed(N8N, f"n8n {N8N_VERSION}")
    host = N8n(tmp_path_factory.mktemp("n8n-home"), package / "dist")
    yield host
    host.stop()


def _credentials(n8n: N8n) -> dict[str, Any]:
    return {"sevenStampApi": n8n.credential(DEMO_KEY_A)}


def _trigger_node(n8n: N8n, **parameters: Any) -> dict[str, Any]:
    """The 7stamp Trigger as a workflow node, with Ada's location's credentials."""
    return {
        "id": str(uuid.uuid4()),
        "name": "7stamp Trigger",
        "type": "CUSTOM.sevenStampTrigger",
        "typeVersion": 1,
        "position": [0, 0],
        "webhookId": str(uuid.uuid4()),
        "parameters": parameters,
        "credentials": _credentials(n8n),
    }


def test_an_activated_trigger_workflow_records_the_enriched_event(stack: Any, n8n: N8n) -> None:
    trigger = _trigger_node(n8n, event="stamp_added", filter_card_template_id=["ct_a_coffee"])
    workflow = n8n.activate("stamps", [trigger])
    with stack.client(DEMO_KEY_A) as c:
        [hook] = c.get("/v1/hooks").json()
        assert (hook["event"], hook["filters"]) == ("stamp_added", {"card_template_id": ["ct_a_coffee"]})
        assert hook["target_url"].startswith(f"{n8n.url}/webhook/{trigger['webhookId']}/")
        stack.worker.start()
        try:
            stack.emit(DEMO_LOCATION_A, "stamp_added", customer_id="c_demo_a")
            [execution] = n8n.executions(workflow, 1)
        finally:
            stack.worker.stop()
        stored = c.get("/v1/triggers/stamp_added").json()[0]
        [run] = execution["data"]["resultData"]["runData"]["7stamp Trigger"]
        record = run["data"]["main"][0][0]["json"]
        assert record == stored
        assert record["enriched"] is True and record["customer"]["email"] == "ada@demo.example"

        n8n.deactivate(workflow)
        assert c.get("/v1/hooks").json() == []


def test_a_forged_delivery_starts_nothing(stack: Any, n8n: N8n) -> None:
    workflow = n8n.activate("forged", [_trigger_node(n8n, event="any")])
    with stack.client(DEMO_KEY_A) as c:
        [hook] = c.get("/v1/hooks").json()
        forged = httpx.post(
            hook["target_url"],
            json={"event": "stamp_added"},
            headers={"webhook-id": "msg_x", "webhook-timestamp": "1", "webhook-signature": "v1,AAAA"},
            timeout=10,
        )
        assert forged.status_code == 401
        assert n8n.executions(workflow, 1, seconds=3) == []
        n8n.deactivate(workflow)


def test_a_workflow_with_add_stamp_stamps_the_sandbox_card(stack: Any, n8n: N8n) -> None:
    def stamps() -> int:
        answer = httpx.get(f"{stack.sandbox_url}/v1/cards/card_demo_a", headers={"Authorization": f"Bearer {DEMO_KEY_A}"}, timeout=10)
        return int(answer.json()["card"]["stamps"])

    path = f"order-{uuid.uuid4().hex[:8]}"
    nodes = [
        {
            "id": str(uuid.uuid4()),
            "name": "Order paid",
            "type": "n8n-nodes-base.webhook",
            "typeVersion": 2,
            "position": [0, 0],
            "webhookId": str(uuid.uuid4()),
            "parameters": {"httpMethod": "POST", "path": path, "responseMode": "lastNode", "options": {}},
        },
        {
            "id": str(uuid.uuid4()),
            "name": "Add Stamp",
            "type": "CUSTOM.sevenStamp",
            "typeVersion": 1,
            "position": [300, 0],
            "parameters": {
                "resource": "stamp",
                "operation": "add_stamp",
                "card_id": "card_demo_a",
                "count": 2,
                "comment": "n8n order",
                "idempotency_key": "={{ $json.body.order }}",
            },
            "credentials": _credentials(n8n),
        },
    ]
    workflow = n8n.activate("add stamp", nodes, {"Order paid": {"main": [[{"node": "Add Stamp", "type": "main", "index": 0}]]}})
    before = stamps()
    answer = httpx.post(f"{n8n.url}/webhook/{path}", json={"order": "n8n-1001"}, timeout=60)
    assert answer.status_code == 200, answer.text
    stamped = answer.json()
    assert (stamped["id"], stamped["stamps_added"], stamped["stamps"]) == ("card_demo_a", 2, stamps())
    assert stamped["stamps"] == before + 2 or stamped["goal_reached"]
    again = httpx.post(f"{n8n.url}/webhook/{path}", json={"order": "n8n-1001"}, timeout=60)
    assert again.json() == stamped and stamps() == stamped["stamps"]  # the order id as idempotency key: nothing added twice
    n8n.deactivate(workflow)


def test_the_ready_made_workflows_import_into_n8n(package: Path, n8n: N8n) -> None:
    """Each exported workflow is one n8n takes as it is (Workflows -> Import from file does the same)."""
    workflows = sorted((package / "workflows").glob("*.json"))
    assert workflows
    for path in workflows:
        data = json.loads(path.read_text())
        made = n8n.rest("POST", "/workflows", json={**data, "active": False})
        stored = n8n.rest("GET", f"/workflows/{made['id']}")
        assert [(n["name"], n["type"]) for n in stored["nodes"]] == [(n["name"], n["type"]) for n in data["nodes"]], path.name
        assert stored["connections"] == data["connections"], path.name
