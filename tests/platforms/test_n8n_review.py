"""n8n's verification guidelines for community nodes and its UX guidelines, as checks on a fresh export.

Each rule cites its source and is seen to fail on a seeded defect. ``n8n-node lint`` and ``build`` (n8n's own
checks) run on the export in test_n8n_app.py, which also runs the package in a real n8n.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from review import PUBLIC_URL, Rule, edited, listed, replaced, rule_tests

from chalicelib.contract import catalog
from platforms.common import when
from platforms.n8n import generate as n8n_app

DOCS = "https://docs.n8n.io/integrations"
UX = f"{DOCS}/creating-nodes/build/reference/ux-guidelines/"
VERIFY = f"{DOCS}/creating-nodes/build/reference/verification-guidelines/"
SUBMIT = f"{DOCS}/creating-nodes/deploy/submit-community-nodes/"
CODEX = f"{DOCS}/creating-nodes/build/reference/node-codex-files/"
CREDENTIALS = f"{DOCS}/creating-nodes/build/reference/credentials-files/"
CATALOG_FILE = "nodes/shared/catalog.json"
CREDENTIAL_FILE = "credentials/SevenStampApi.credentials.ts"
Files = dict[str, Any]


@pytest.fixture(scope="module")
def n8n_review_app() -> Files:
    return n8n_app.generate(catalog.catalog(), PUBLIC_URL, listing=listed())


def _catalog(files: Files) -> dict[str, Any]:
    return dict(json.loads(files[CATALOG_FILE]))


def url_in_the_credential(files: Files) -> list[str]:
    """One published package serves every deployment: the connector's URL is a credential field, the export's URL its default."""
    problems = []
    credential = files[CREDENTIAL_FILE]
    if not re.search(r"name: 'url',\s*type: 'string',\s*default: catalog\.apiUrl", credential):
        problems.append("the credential has no URL field defaulting to the export's connector")
    if "baseURL: '={{$credentials.url}}'" not in credential:
        problems.append("the credential test does not call the credential's URL")
    transport = files["nodes/shared/transport.ts"]
    if "credentials.url" not in transport or "`${catalog.apiUrl}${path}`" in transport:
        problems.append("the nodes call the compiled-in URL, not the credential's")
    return problems


def operation_naming(files: Files) -> list[str]:
    problems = []
    for action in _catalog(files)["actions"]:
        operation, resource, text = action["operation"], action["resource"], action["action"]
        if " " in operation or resource.lower() in operation.lower():
            problems.append(f"{action['key']}: operation {operation!r} repeats the resource or is not one verb")
        first, *rest = text.split(" ")
        if first != operation or [w for w in rest if w[:1].isupper() and w != "ID"]:
            problems.append(f"{action['key']}: action {text!r} is not the operation in sentence case")
    if len({a["resource"] for a in _catalog(files)["actions"]}) >= len(_catalog(files)["actions"]) - 1:
        problems.append("nearly a resource per operation: group the operations by what they act on")
    return problems


def booleans_start_whether(files: Files) -> list[str]:
    problems = [
        f"{action['key']}.{f['key']}: {f['help']!r}"
        for action in _catalog(files)["actions"]
        for f in action["inputs"]
        if f["type"] == "boolean" and not f["help"].startswith("Whether ")
    ]
    for match in re.finditer(r"type: 'boolean',[^}]*?description: '([^']*)'", files["nodes/shared/properties.ts"], flags=re.DOTALL):
        if not match.group(1).startswith("Whether "):
            problems.append(f"properties.ts: {match.group(1)!r}")
    return problems


def simplify_on_large_outputs(files: Files) -> list[str]:
    problems = [] if "displayName: 'Simplify'" in files["nodes/shared/properties.ts"] else ["no Simplify option"]
    problems += [f"{a['key']}: nothing to simplify to" for a in _catalog(files)["actions"] if a["kind"] == "search" and not a["outputs"]]
    return problems


def codex_per_node(files: Files) -> list[str]:
    problems = []
    manifest = json.loads(files["package.json"])
    for built in manifest["n8n"]["nodes"]:
        source = built.removeprefix("dist/").removesuffix(".js")
        codex = files.get(f"{source}.json")
        if codex is None:
            problems.append(f"no codex file for {source}")
            continue
        name = re.search(r"\bname: '([A-Za-z]+)'", files[f"{source}.ts"])
        data = json.loads(codex)
        if name is None or data.get("node") != f"{manifest['name']}.{name.group(1)}":
            problems.append(f"{source}.json names {data.get('node')!r}")
        if not data.get("categories") or not data.get("resources", {}).get("primaryDocumentation"):
            problems.append(f"{source}.json has no categories or documentation")
    return problems


def readme(files: Files) -> list[str]:
    text = files.get("README.md", "")
    problems = [
        f"README has no {s}"
        for s in ("## Installation", "## Credentials", "## Operations", "## Triggers", "## Example workflows")
        if s not in text
    ]
    problems += [f"README leaves out {a['action']}" for a in _catalog(files)["actions"] if a["action"] not in text]
    problems += [f"README leaves out {t['key']}" for t in _catalog(files)["triggers"] if f"({when(t['label']).lower()})" not in text]
    return problems


def publish_with_provenance(files: Files) -> list[str]:
    workflow = files.get(".github/workflows/publish.yml", "")
    needed = ("id-token: write", "NPM_CONFIG_PROVENANCE: 'true'", "npm run release")
    problems = [f"publish.yml lacks {n!r}" for n in needed if n not in workflow]
    if json.loads(files["package.json"])["scripts"].get("release") != "n8n-node release":
        problems.append("package.json has no release script")
    return problems


def package_manifest(files: Files) -> list[str]:
    manifest = json.loads(files["package.json"])
    problems = []
    if not manifest["name"].startswith("n8n-nodes-") or "n8n-community-node-package" not in manifest["keywords"]:
        problems.append("name or keywords are not a community node's")
    if not manifest.get("author", {}).get("email") or not manifest.get("repository", {}).get("url") or manifest.get("license") != "MIT":
        problems.append("author email, repository or MIT licence missing")
    return problems


def icons_light_and_dark(files: Files) -> list[str]:
    problems = []
    for node in n8n_app.NODE_NAMES:
        light, dark = files.get(f"nodes/{node}/sevenstamp.svg"), files.get(f"nodes/{node}/sevenstamp.dark.svg")
        if not light or not dark or light == dark or not light.lstrip().startswith("<svg"):
            problems.append(f"{node}: no distinct light and dark SVG icons")
    return problems


def _boolean_when(files: Files) -> Files:
    def change(data: dict[str, Any]) -> None:
        [add_stamp] = [a for a in data["actions"] if a["key"] == "add_stamp"]
        [flag] = [f for f in add_stamp["inputs"] if f["type"] == "boolean"]
        flag["help"] = "When the customer has no card yet, issue one first."

    return edited(files, CATALOG_FILE, change)


def _label_operations(files: Files) -> Files:
    return edited(files, CATALOG_FILE, lambda data: [a.update(operation=a["label"]) for a in data["actions"]])


RULES = [
    Rule(
        "url-in-the-credential",
        CREDENTIALS,
        url_in_the_credential,
        lambda f: replaced(f, "nodes/shared/transport.ts", "url: `${base}${path}`", "url: `${catalog.apiUrl}${path}`"),
    ),
    Rule("operation-naming", UX, operation_naming, _label_operations),
    Rule("booleans-start-whether", UX, booleans_start_whether, _boolean_when),
    Rule(
        "simplify-on-large-outputs",
        UX,
        simplify_on_large_outputs,
        lambda f: edited(f, CATALOG_FILE, lambda d: [a.update(outputs=[]) for a in d["actions"]]),
    ),
    Rule(
        "codex-per-node",
        CODEX,
        codex_per_node,
        lambda f: {k: v for k, v in f.items() if k != "nodes/SevenStampTrigger/SevenStampTrigger.node.json"},
    ),
    Rule("readme", VERIFY, readme, lambda f: {**f, "README.md": "# n8n-nodes-sevenstamp\n\nnpm install\n"}),
    Rule(
        "publish-with-provenance",
        SUBMIT,
        publish_with_provenance,
        lambda f: replaced(f, ".github/workflows/publish.yml", "id-token: write", "contents: write"),
    ),
    Rule("package-manifest", SUBMIT, package_manifest, lambda f: edited(f, "package.json", lambda m: m["author"].pop("email"))),
    Rule(
        "icons-light-and-dark",
        VERIFY,
        icons_light_and_dark,
        lambda f: {**f, "nodes/SevenStamp/sevenstamp.dark.svg": f["nodes/SevenStamp/sevenstamp.svg"]},
    ),
]

test_the_export_passes, test_the_rule_fails_on_a_seeded_defect = rule_tests(RULES, "n8n_review_app")
