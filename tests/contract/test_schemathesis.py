"""Schemathesis against the running connector: the OpenAPI document is the exact contract.

Every operation of ``GET /openapi.json`` is fuzzed with the demo key, in schemathesis 4's
positive and negative modes, with every check: no server error, every answer as the
document describes it (status, content type, headers, schema), no schema-valid request
refused and no schema-invalid request accepted. The run is bounded (examples per
operation, a time limit) and deterministic, so CI sends the same requests every time.
No operation and no check is excluded. Of the phases, ``stateful`` is not run: it
follows OpenAPI links, which the document does not declare; ``examples`` runs but finds
none to send. The contract's own formats get their test data from
``schemathesis_hooks.py``. The summary (operations, test cases, failures) is printed:
run with ``-s`` to see it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox import DEMO_KEY_A

pytestmark = pytest.mark.long  # started first (tests/conftest.py)

MAX_EXAMPLES = 25
TIME_LIMIT = 600  # seconds; under a minute on a quiet 2-core machine
HERE = Path(__file__).resolve().parent


def test_the_connector_keeps_its_openapi_contract(stack, tmp_path):
    st = Path(sys.executable).with_name("st")
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "schemathesis_hooks", "PYTHONPATH": f"{HERE}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    command = [
        str(st),
        "run",
        f"{stack.connector}/openapi.json",
        "--url",
        stack.connector,
        "--header",
        f"X-API-Key: {DEMO_KEY_A}",
        "--checks",
        "all",
        "--mode",
        "all",
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--generation-deterministic",
        # one worker: two generate in parallel threads and race in Python 3.11's ast module
        # (hypothesis describes filters by parsing their source: "AST constructor recursion depth mismatch")
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--no-color",
        "--warnings",
        "off",
        "--report",
        "junit",
        "--report-junit-path",
        str(tmp_path / "junit.xml"),
    ]
    run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=TIME_LIMIT, cwd=tmp_path)
    print(run.stdout[-20000:], run.stderr[-5000:])
    summary = run.stdout[run.stdout.rfind("SUMMARY") :] if "SUMMARY" in run.stdout else run.stdout[-3000:]
    assert run.returncode == 0, summary
    selected = re.search(r"Selected: (\d+)/(\d+)\s+Tested: (\d+)", run.stdout)
    assert selected and selected.group(1) == selected.group(2) == selected.group(3), "every operation is selected and tested"
    assert re.search(r"(\d+) generated, \1 passed", run.stdout), summary
