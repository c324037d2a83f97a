"""The stages of .chalice/config.json (one per client) and `make deploy`'s refusal without credentials."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_every_stage_has_the_connector_settings_and_timeouts() -> None:
    config = json.loads((REPO / ".chalice" / "config.json").read_text())
    assert config["autogen_policy"] is False
    assert {"dev", "client-a"} <= set(config["stages"])
    assert config["environment_variables"]["SEVENSTAMP_API_URL"] == "https://api.7stamp.com"
    for name, stage in config["stages"].items():
        env = {**config["environment_variables"], **stage.get("environment_variables", {})}
        assert env["CONNECTOR_PUBLIC_URL"].startswith("https://"), name
        assert len(env["DEFAULT_PHONE_REGION"]) == 2, name
        assert "CONNECTOR_ALLOW_PRIVATE_TARGETS" not in env, name  # local development only, never on AWS
    timeouts = {name: f["lambda_timeout"] for name, f in config["lambda_functions"].items()}
    assert timeouts["api_handler"] == 30 and timeouts["fanout"] == 60 and timeouts["deliver"] == 60


def test_deploy_refuses_clearly_without_aws_credentials(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    done = subprocess.run(
        [sys.executable, "-m", "infra.deploy", "--stage", "dev"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "No AWS credentials found, so nothing was deployed" in done.stderr
