"""Acceptance: the poll limits live in chalicelib/limits.py alone.

Changing them there changes what the polling route accepts, the OpenAPI document, the
catalog and every generated app. The change is made in a fresh interpreter before
anything imports the module, as an edit of the file would be.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
from chalicelib.contract import limits
limits.POLL_LIMIT_MAX, limits.POLL_LIMIT_DEFAULT = 37, 13
import app  # noqa: F401  (the routes declare themselves)
from chalicelib.contract import catalog
from chalicelib.contract import input_types
from chalicelib.api import openapi, routes
from chalicelib.api.http import OPERATIONS, model
from chalicelib.errors import ValidationFailed
from platforms import export

[poll] = [op for op in OPERATIONS if op.path == "/v1/triggers/{event}"]
route = {}
for limit in ("37", "38"):
    try:
        route[limit] = input_types.parse(model(poll.query), {"limit": limit}).limit
    except ValidationFailed as error:
        route[limit] = error.fields
route["default"] = input_types.parse(model(poll.query), {}).limit
parameters = openapi.document(routes.operations())["paths"]["/v1/triggers/{event}"]["get"]["parameters"]
for platform in ("zapier", "make"):
    assert export.main(["--platform", platform, "--url", "https://connector.example.com/api", "--out", sys.argv[1] + "/" + platform]) == 0
limit_schema = [p["schema"] for p in parameters if p["name"] == "limit"][0]
print(json.dumps({"route": route, "openapi": limit_schema, "catalog": catalog.catalog()["limits"]["poll"]}))
"""


def _files(folder: Path) -> str:
    return "\n".join(p.read_text() for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix != ".png")


def test_changing_the_poll_limit_in_the_contract_module_changes_route_document_catalog_and_apps(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["route"]["37"] == 37 and "limit" in seen["route"]["38"] and seen["route"]["default"] == 13
    assert (seen["openapi"]["maximum"], seen["openapi"]["default"]) == (37, 13)
    assert seen["catalog"] == {"min": 1, "max": 37, "default": 13}
    zapier = (tmp_path / "zapier" / "lib" / "connector.js").read_text()
    assert "const RECENT_EVENTS = 13;" in zapier and "const MOST_EVENTS = 37;" in zapier
    make = _files(tmp_path / "make")
    assert '"max": 37' in make and '"limit": 37' in make and "(1-37)" in make
    assert '"max": 100' not in make
