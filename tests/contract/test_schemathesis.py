"""Schemathesis against the running connector: the OpenAPI document is the exact contract.

Every operation of ``GET /openapi.json`` is fuzzed with the demo key, in schemathesis 4's
positive and negative modes, with every check: no server error, every answer as the
document describes it (status, content type, headers, schema), no schema-valid request
refused and no schema-invalid request accepted. The run is bounded (examples per
operation and a time budget) and seeded, so CI sees the same requests every time.
Nothing is excluded. Its summary (operations, test cases, failures) is printed: run
with ``-s`` to see it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from sandbox import DEMO_KEY_A

MAX_EXAMPLES = 25
TIME_BUDGET = 240  # seconds, a bound for a loaded machine; a quiet 2-core one needs about a third of it
HERE = Path(__file__).resolve().parent


def test_the_connector_keeps_its_openapi_contract(stack, tmp_path):
    st = Path(sys.executable).with_name("st")
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "schemathesis_hooks", "PYTHONPATH": f"{HERE}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    command = [
        str(st), "run", f"{stack.connector}/openapi.json", "--url", stack.connector,
        "--header", f"X-API-Key: {DEMO_KEY_A}",
        "--checks", "all", "--mode", "all", "--phases", "examples,coverage,fuzzing",
        "--max-examples", str(MAX_EXAMPLES), "--seed", "10", "--generation-deterministic",
        "--workers", "2", "--request-timeout", "30", "--no-color",
        "--warnings", "off",
        "--report", "junit", "--report-junit-path", str(tmp_path / "junit.xml"),
    ]
    run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=TIME_BUDGET + 60, cwd=tmp_path)
    print(run.stdout[-20000:], run.stderr[-5000:])
    summary = run.stdout[run.stdout.rfind("SUMMARY"):] if "SUMMARY" in run.stdout else run.stdout[-3000:]
    assert run.returncode == 0, summary
    assert re.search(r"API Operations:\s+(\d+) selected / \1 tested", run.stdout), "every operation is tested"
