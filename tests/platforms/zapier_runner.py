"""Drives a generated Zapier app through zapier-platform-core's createAppTester, in one Node process.

``zapier_driver.js`` (beside this file) reads a JSON command per line and answers a JSON line;
every wait here is bounded, and the process is killed when the runner closes.
"""

from __future__ import annotations

import itertools
import json
import os
import queue
import shutil
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "platforms" / "zapier" / "node_modules"
DRIVER = Path(__file__).with_name("zapier_driver.js")
CORE_VERSION = "19.1.0"


def node_modules() -> Path:
    """The harness's Node packages, failing the test (never skipping it) when they are not installed."""
    installed = NODE_MODULES / "zapier-platform-core" / "package.json"
    if shutil.which("node") is None or not installed.exists():
        pytest.fail("Node 20 and the Zapier packages are needed: run `make test` (it runs npm install in platforms/zapier)")
    version = json.loads(installed.read_text())["version"]
    if version != CORE_VERSION:
        pytest.fail(f"platforms/zapier/node_modules has zapier-platform-core {version}, not {CORE_VERSION}: run `make test`")
    return NODE_MODULES


@dataclass
class ZapierError(Exception):
    """A Zapier error the app threw: ``name`` is its class (AppError, ThrottledError...), ``details`` its JSON message."""

    name: str
    message: str

    @property
    def details(self) -> dict[str, Any]:
        return dict(json.loads(self.message))


class ZapierRunner:
    """One Node process running the app in ``app_dir``; ``run`` calls a method of it with a bundle."""

    def __init__(self, app_dir: Path, timeout: float = 60.0) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LOGGING_")}
        env.update(NODE_ENV="test", NODE_PATH=str(node_modules()))
        self._timeout = timeout
        self._ids = itertools.count(1)
        self._answers: queue.Queue[str] = queue.Queue()
        self._stderr: list[str] = []
        self._process = subprocess.Popen(
            ["node", str(DRIVER), str(app_dir)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        threading.Thread(target=self._pump, args=(self._process.stdout, self._answers.put), daemon=True).start()
        threading.Thread(target=self._pump, args=(self._process.stderr, self._stderr.append), daemon=True).start()

    @staticmethod
    def _pump(stream: Any, sink: Any) -> None:
        for line in stream:
            sink(line)

    def _ask(self, command: dict[str, Any]) -> Any:
        command = {**command, "id": next(self._ids)}
        assert self._process.stdin is not None
        self._process.stdin.write(json.dumps(command) + "\n")
        self._process.stdin.flush()
        try:
            answer = json.loads(self._answers.get(timeout=self._timeout))
        except queue.Empty:
            raise AssertionError(
                f"the Zapier driver did not answer {command} within {self._timeout}s; stderr: {''.join(self._stderr)[-2000:]}"
            ) from None
        assert answer["id"] == command["id"], answer
        if not answer["ok"]:
            raise ZapierError(answer["error"]["name"], answer["error"]["message"])
        return answer["result"]

    def validate(self) -> list[str]:
        """zapier-platform-schema's validateAppDefinition errors for the app (empty when it is valid)."""
        return list(self._ask({"op": "validate"}))

    def definition(self) -> dict[str, Any]:
        """The app's definition as zapier-platform-schema sees it (functions as placeholders)."""
        return dict(self._ask({"op": "definition"}))

    def error_for(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, str] | None:
        """The error (``name``, ``message``) the app raises for a connector answer, None when it raises none."""
        found = self._ask({"op": "answer", "status": status, "body": body, "headers": headers or {}})
        return dict(found) if found else None

    def run(self, method: str, bundle: dict[str, Any]) -> Any:
        """What createAppTester returns for the app's function at ``method`` (a dotted path), or the ZapierError it throws."""
        return self._ask({"op": "run", "method": method, "bundle": bundle})

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=10)
