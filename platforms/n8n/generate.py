"""The n8n community node package, from the catalog: one package for every deployment of the connector.

The TypeScript in ``package/`` (credentials, an action node, an instant trigger and a polling
trigger) is the same for every export; what the definitions declare reaches it through the
generated ``nodes/shared/catalog.json`` (labels, help, inputs, filters, dropdown sources), from
which the nodes build their parameters. The connector's URL is a credential field whose default
is the URL of this export, so a published package serves an agency's own deployment too.
``n8n-node build`` and ``n8n-node lint`` (``@n8n/node-cli``) build and check the written package.
Beside it: the codex files, the icons from the one logo, a README, the publish workflow (npm with
provenance, as n8n requires of verified nodes) and the ready-made workflows.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from platforms.common import Catalog, Files, action_inputs, action_phrase, connector_url, key_help, sentence, to_json, when
from platforms.listing import icons, publisher, scenarios

PACKAGE = Path(__file__).parent / "package"
NAME = "n8n-nodes-sevenstamp"
NODE_CLI_VERSION = "0.48.3"  # tests/platforms/n8n-cli/package.json pins the same
NODES = ("SevenStamp/SevenStamp", "SevenStampTrigger/SevenStampTrigger", "SevenStampPollTrigger/SevenStampPollTrigger")
NODE_NAMES = {"SevenStamp": "sevenStamp", "SevenStampTrigger": "sevenStampTrigger", "SevenStampPollTrigger": "sevenStampPollTrigger"}
CODEX_CATEGORIES = ["Marketing", "Sales"]  # n8n's node categories (the codex file's)
TYPE_VERSIONS = {"n8n-nodes-base.slack": 2.3, "n8n-nodes-base.gmail": 2.1, "n8n-nodes-base.hubspot": 2, "n8n-nodes-base.mailchimp": 1}


def _field(field: dict[str, Any]) -> dict[str, Any]:
    """An input or a filter in the shape nodes/shared/catalog.ts declares."""
    out = {
        "key": field["key"],
        "label": field["label"],
        "help": field.get("help", ""),
        "type": field.get("type", "string"),
        "required": field.get("required", False),
        "list": field.get("list", True),
    }
    for optional in ("choices", "dynamic", "default"):
        if optional in field:
            out[optional] = field[optional]
    return out


def _action(action: dict[str, Any]) -> dict[str, Any]:
    """An action with the names n8n's UX guidelines ask for: the resource (``Voucher``), the operation (``Redeem``), the action."""
    verb, *rest = action["label"].split(" ")
    return {k: action[k] for k in ("key", "kind", "noun", "label", "help", "method", "path")} | {
        "inputs": [_field(f) for f in action_inputs(action)],
        "resource": " ".join(rest) or action["noun"],
        "operation": verb,
        "action": action_phrase(action["label"]),
        "outputs": [f["key"] for f in action["output_fields"]],
    }


def package_catalog(catalog: Catalog, api_url: str, listing: publisher.Listing | None = None) -> dict[str, Any]:
    """What the nodes read: the default connector URL, the key's help and, from the definitions, every event, action and dropdown."""
    listing = listing or publisher.load()
    return {
        "apiUrl": api_url,
        "keyHelp": key_help(listing.api_key_url),
        "triggers": [
            {"key": t["key"], "label": t["label"], "help": t["help"], "filters": [_field(f) for f in t["filters"]]}
            for t in catalog["triggers"]
        ],
        "actions": [_action(a) for a in catalog["actions"]],
        "options": catalog["options"],
    }


def package_json(listing: publisher.Listing) -> str:
    """The package's manifest, as ``n8n-node new`` writes one: n8n's section lists the built credentials and nodes."""
    manifest = {
        "name": NAME,
        "version": listing.version,
        "description": listing.description,
        "license": "MIT",
        "homepage": listing.docs_url or listing.website,
        "keywords": ["n8n-community-node-package", "7stamp", "loyalty"],
        "author": {"name": listing.name, **({"email": listing.support_email} if listing.support_email else {})},
        "repository": {"type": "git", "url": f"git+{listing.repository}.git"},
        "scripts": {
            "build": "n8n-node build",
            "lint": "n8n-node lint",
            "lint:fix": "n8n-node lint --fix",
            "release": "n8n-node release",
            "prepublishOnly": "n8n-node prerelease",
        },
        "files": ["dist"],
        "n8n": {
            "n8nNodesApiVersion": 1,
            "strict": True,
            "credentials": ["dist/credentials/SevenStampApi.credentials.js"],
            "nodes": [f"dist/nodes/{node}.node.js" for node in NODES],
        },
        "devDependencies": {"@n8n/node-cli": NODE_CLI_VERSION, "eslint": "9.32.0", "prettier": "3.6.2", "typescript": "5.9.2"},
        "peerDependencies": {"n8n-workflow": "*"},
    }
    return json.dumps(manifest, indent=2) + "\n"


def codex(node: str, listing: publisher.Listing) -> str:
    """A node's codex file (``<Node>.node.json``): its categories and documentation links."""
    docs = listing.docs_url or listing.website
    return to_json(
        {
            "node": f"{NAME}.{NODE_NAMES[node]}",
            "nodeVersion": "1.0",
            "codexVersion": "1.0",
            "categories": CODEX_CATEGORIES,
            "resources": {"credentialDocumentation": [{"url": f"{docs}#credentials"}], "primaryDocumentation": [{"url": docs}]},
        }
    )


PUBLISH_WORKFLOW = """\
# Publishes the package to npm with a provenance statement on every version tag (e.g. 1.2.0), as n8n requires
# of community nodes it verifies; `n8n-node release` (run by `npm run release`) lints, builds and publishes.
# Once: on npmjs.com add this repository's publish.yml as a Trusted Publisher (or set an NPM_TOKEN secret).
name: Publish

on:
  push:
    tags:
      - '*.*.*'

jobs:
  publish:
    runs-on: ubuntu-latest
    permissions:
      id-token: write
      contents: read
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 'lts/*'
      - run: npm install
      - run: |
          [ -n "$NPM_TOKEN" ] && npm config set //registry.npmjs.org/:_authToken "$NPM_TOKEN"
          npm run release
        env:
          NPM_TOKEN: ${{ secrets.NPM_TOKEN }}
          NPM_CONFIG_PROVENANCE: 'true'
"""


def readme(catalog: Catalog, api_url: str, listing: publisher.Listing) -> str:
    """The package's README: installation, credentials, every operation and trigger, an example workflow."""
    actions = [_action(a) for a in catalog["actions"]]
    lines = [
        f"# {NAME}",
        "",
        listing.long_description,
        "",
        "## Installation",
        "",
        f"In n8n: **Settings → Community nodes → Install**, and enter `{NAME}`. On your own n8n you can also",
        f"`npm install {NAME}` in `~/.n8n/nodes`, or build this folder (`npm install && npm run build`) and point",
        "`N8N_CUSTOM_EXTENSIONS` at it.",
        "",
        "## Credentials",
        "",
        f"Create a **7stamp API** credential. {key_help(listing.api_key_url)}",
        f"Keep **Connector URL** at `{api_url}` unless your agency runs its own connector.",
        "",
        "## Operations",
        "",
        *[f"- **{a['resource']} → {a['operation']}** ({a['action']}): {a['help']}" for a in actions],
        "",
        "Searches return only the fields listed for them unless **Simplify** is turned off.",
        "",
        "## Triggers",
        "",
        "**7stamp Trigger** starts a workflow the moment an event happens (a webhook); **7stamp Poll Trigger** asks on a schedule.",
        "",
        *[f"- **{sentence(t['label'])}** ({when(t['label']).lower()}): {t['help']}" for t in catalog["triggers"]],
        "",
        "## Example workflows",
        "",
        "Import any of `workflows/*.json` (**Workflows → Import from file**):",
        "",
        *[f"- `workflows/{s.slug}.json`: {s.description}" for s in scenarios.SCENARIOS],
        "",
        "## Compatibility",
        "",
        f"Built with @n8n/node-cli {NODE_CLI_VERSION}; n8n 1.x and later.",
        "",
        "## Support",
        "",
        f"{listing.website}" + (f" · {listing.support_email}" if listing.support_email else "") + f" · {listing.repository}",
        "",
    ]
    return "\n".join(lines)


def workflow(scenario: scenarios.Scenario, catalog: Catalog) -> dict[str, Any]:
    """A ready-made scenario as an n8n workflow to import; a mapped value is an expression on the earlier node's output."""
    triggers = {t["key"] for t in catalog["triggers"]}
    actions = {a["key"]: _action(a) for a in catalog["actions"]}
    names = [s.app or ("7stamp Trigger" if s.operation in triggers else actions[s.operation]["action"]) for s in scenario.all_steps]

    def reference(n: int, path: str) -> str:
        return f"{{{{ $('{names[n]}').item.json.{path} }}}}"

    def node(index: int, step: scenarios.Step) -> dict[str, Any]:
        parameters: dict[str, Any] = {}
        for key, value in step.fields.items():
            filled = scenarios.fill(value, reference)
            parameters[key] = f"={filled}" if isinstance(filled, str) and "{{" in filled else filled
        if step.app is not None:
            kind, version = step.ids["n8n"], TYPE_VERSIONS.get(step.ids["n8n"], 1)
        elif step.operation in triggers:
            kind, version, parameters = f"{NAME}.sevenStampTrigger", 1, {"event": step.operation, **parameters}
        else:
            action = actions[step.operation]
            resource = action["resource"].lower().replace(" ", "_")
            kind, version, parameters = f"{NAME}.sevenStamp", 1, {"resource": resource, "operation": step.operation, **parameters}
        return {
            "id": f"{scenario.slug}-{index}",
            "name": names[index],
            "type": kind,
            "typeVersion": version,
            "position": [300 * index, 0],
            "parameters": parameters,
        }

    connections = {names[i]: {"main": [[{"node": names[i + 1], "type": "main", "index": 0}]]} for i in range(len(names) - 1)}
    return {
        "name": scenario.title,
        "nodes": [node(i, s) for i, s in enumerate(scenario.all_steps)],
        "connections": connections,
        "settings": {},
    }


def generate(catalog: Catalog, url: str, listing: publisher.Listing | None = None) -> Files:
    """Every file of the n8n package, the connector at ``url`` being the credential's default."""
    api_url = connector_url(url)
    listing = listing or publisher.load()
    files: Files = {str(p.relative_to(PACKAGE)): p.read_text() for p in sorted(PACKAGE.rglob("*")) if p.is_file()}
    files["nodes/shared/catalog.json"] = to_json(package_catalog(catalog, api_url, listing))
    files["package.json"] = package_json(listing)
    files["README.md"] = readme(catalog, api_url, listing)
    files[".github/workflows/publish.yml"] = PUBLISH_WORKFLOW
    for node in NODE_NAMES:
        files[f"nodes/{node}/{node}.node.json"] = codex(node, listing)
        files[f"nodes/{node}/sevenstamp.svg"] = icons.svg(listing.brand_color)
        files[f"nodes/{node}/sevenstamp.dark.svg"] = icons.svg(listing.brand_color, dark=True)
    for scenario in scenarios.SCENARIOS:
        files[f"workflows/{scenario.slug}.json"] = to_json(workflow(scenario, catalog))
    return files
