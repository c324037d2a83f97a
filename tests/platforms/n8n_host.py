"""A real n8n for the n8n tests: the `n8n` npm package installed in tests/platforms/n8n/, started on 127.0.0.1.

Its SQLite database lives in a temporary folder, the exported package's ``dist/`` is loaded as a
custom extension, and everything that would reach out (telemetry, version checks, templates,
the license server, the AI assistant) is switched off. Every wait is bounded.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

HERE = Path(__file__).resolve().parent
N8N = HERE / "n8n" / "node_modules" / ".bin" / "n8n"
NODE_CLI = HERE / "n8n-cli" / "node_modules"
N8N_VERSION = "1.123.16"
OWNER = {"email": "owner@n8n.example", "firstName": "Test", "lastName": "Owner", "password": "Sevenstamp-test-1"}
QUIET = {
    "N8N_DIAGNOSTICS_ENABLED": "false",
    "N8N_DIAGNOSTICS_CONFIG_FRONTEND": "",
    "N8N_DIAGNOSTICS_CONFIG_BACKEND": "",
    "N8N_VERSION_NOTIFICATIONS_ENABLED": "false",
    "N8N_TEMPLATES_ENABLED": "false",
    "N8N_PERSONALIZATION_ENABLED": "false",
    "N8N_HIRING_BANNER_ENABLED": "false",
    "N8N_LICENSE_AUTO_RENEW_ENABLED": "false",
    "N8N_COMMUNITY_PACKAGES_ENABLED": "false",
    "N8N_AI_ENABLED": "false",
    "N8N_PUBLIC_API_DISABLED": "true",
    "EXTERNAL_FRONTEND_HOOKS_URLS": "",
}


def installed(path: Path, what: str) -> Path:
    """A harness the test needs, failing it (never skipping it) when `make test` has not installed it."""
    if shutil.which("node") is None or not path.exists():
        pytest.fail(f"{what} is not installed: run `make test` (it installs {path.relative_to(HERE.parents[1])})")
    return path


def _unused_port() -> int:
    """A loopback port for n8n, which needs to know its own webhook URL before it starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def unflatten(text: str) -> Any:
    """n8n stores execution data with `flatted`: a JSON table whose strings inside objects are indexes into it."""
    table = json.loads(text)
    cache: dict[int, Any] = {}

    def value(index: int) -> Any:
        if index in cache:
            return cache[index]
        item = table[index]
        if isinstance(item, list):
            cache[index] = out = []
            out.extend(resolve(x) for x in item)
            return out
        if isinstance(item, dict):
            cache[index] = obj = {}
            obj.update({k: resolve(x) for k, x in item.items()})
            return obj
        cache[index] = item
        return item

    def resolve(x: Any) -> Any:
        return value(int(x)) if isinstance(x, str) else x

    return value(0)


class N8n:
    """One n8n process, its owner's session and the REST calls the tests make."""

    def __init__(self, folder: Path, extensions: Path) -> None:
        port = _unused_port()
        self.url = f"http://127.0.0.1:{port}"
        self.log = folder / "n8n.log"
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("N8N_", "DB_"))},
            **QUIET,
            "N8N_USER_FOLDER": str(folder),
            "N8N_LISTEN_ADDRESS": "127.0.0.1",
            "N8N_PORT": str(port),
            "N8N_HOST": "127.0.0.1",
            "WEBHOOK_URL": f"{self.url}/",
            "N8N_CUSTOM_EXTENSIONS": str(extensions),
            "N8N_SECURE_COOKIE": "false",
            "N8N_RUNNERS_ENABLED": "false",
            "N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS": "false",
            "DB_TYPE": "sqlite",
            "DB_SQLITE_POOL_SIZE": "2",
            "GENERIC_TIMEZONE": "UTC",
        }
        self.process = subprocess.Popen([str(N8N), "start"], cwd=folder, env=env, stdout=self.log.open("w"), stderr=subprocess.STDOUT)
        self.http = httpx.Client(base_url=self.url, timeout=30, headers={"browser-id": "sevenstamp-tests"})
        self._wait_until_up(180)
        answer = self.http.post("/rest/owner/setup", json=OWNER)
        assert answer.status_code == 200, answer.text

    def _wait_until_up(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"n8n exited with {self.process.returncode}: {self.log.read_text()[-3000:]}")
            try:
                # /healthz, and a plain "starting up" page, answer before the REST API is mounted.
                answer = httpx.get(f"{self.url}/rest/settings", timeout=2)
                if answer.status_code == 200 and answer.headers.get("content-type", "").startswith("application/json"):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        pytest.fail(f"n8n did not answer within {seconds}s: {self.log.read_text()[-3000:]}")

    def rest(self, method: str, path: str, **kwargs: Any) -> Any:
        answer = self.http.request(method, f"/rest{path}", **kwargs)
        assert answer.status_code == 200, f"{method} {path}: {answer.status_code} {answer.text[:2000]}"
        return answer.json()["data"]

    def credential(self, key: str) -> dict[str, str]:
        made = self.rest(
            "POST", "/credentials", json={"name": f"7stamp {uuid.uuid4().hex[:6]}", "type": "sevenStampApi", "data": {"apiKey": key}}
        )
        return {"id": made["id"], "name": made["name"]}

    def activate(self, name: str, nodes: list[dict[str, Any]], connections: dict[str, Any] | None = None) -> str:
        """Create a workflow and activate it (n8n then runs the trigger's webhook methods); returns its id."""
        made = self.rest(
            "POST",
            "/workflows",
            json={
                "name": name,
                "nodes": nodes,
                "connections": connections or {},
                "settings": {"saveDataSuccessExecution": "all"},
                "active": False,
            },
        )
        self.rest("POST", f"/workflows/{made['id']}/activate", json={"versionId": made["versionId"]})
        return str(made["id"])

    def deactivate(self, workflow_id: str) -> None:
        self.rest("POST", f"/workflows/{workflow_id}/deactivate")

    def executions(self, workflow_id: str, count: int, seconds: float = 60) -> list[dict[str, Any]]:
        """The workflow's finished executions once there are ``count`` (bounded wait), each with its run data."""
        deadline = time.monotonic() + seconds
        found: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            listed = self.rest("GET", "/executions", params={"filter": json.dumps({"workflowId": workflow_id})})
            found = [e for e in listed["results"] if e.get("finished") or e.get("status") in ("success", "error")]
            if len(found) >= count:
                break
            time.sleep(0.5)
        return [{**e, "data": unflatten(self.rest("GET", f"/executions/{e['id']}")["data"])} for e in found]

    def stop(self) -> None:
        self.http.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def node_cli(package: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``n8n-node <args>`` (n8n's @n8n/node-cli) in the exported package, with the harness's packages linked in."""
    modules = package / "node_modules"
    if not modules.exists():
        modules.symlink_to(installed(NODE_CLI / "@n8n" / "node-cli", "@n8n/node-cli").parents[1], target_is_directory=True)
    env = {**os.environ, "CI": "true", "NO_COLOR": "1"}
    return subprocess.run([str(modules / ".bin" / "n8n-node"), *args], cwd=package, env=env, capture_output=True, text=True, timeout=300)
