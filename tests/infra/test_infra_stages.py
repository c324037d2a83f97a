"""The stages of .chalice/config.json, the recorded clients (infra/clients.json), `make client`'s checks, `make deploy`'s refusals."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from infra import clients

REPO = Path(__file__).resolve().parents[2]


def test_every_stage_has_the_connector_settings_and_timeouts() -> None:
    config = json.loads((REPO / ".chalice" / "config.json").read_text())
    assert config["autogen_policy"] is False
    assert {"dev", "client-a"} <= set(config["stages"])
    assert set(clients.load_all()) <= set(config["stages"])  # every recorded client has its stage
    assert config["environment_variables"]["SEVENSTAMP_API_URL"] == "https://api.7stamp.com"
    for name, stage in config["stages"].items():
        env = {**config["environment_variables"], **stage.get("environment_variables", {})}
        assert "CONNECTOR_PUBLIC_URL" not in env, name  # the stack's own address or the client's domain: a stack parameter
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
        [sys.executable, "-m", "infra.deploy", "--stage", "client-a"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "No AWS credentials found, so nothing was done" in done.stderr
    assert done.stdout == ""  # refused before packaging or anything else


def _record(tmp_path: Path, stage: str, **options: str) -> clients.Client:
    config, recorded = tmp_path / "config.json", tmp_path / "clients.json"
    if not config.exists():
        config.write_text(json.dumps({"environment_variables": {"SEVENSTAMP_API_URL": "https://api.7stamp.com"}, "stages": {}}))
    return clients.record(stage, dict(options), recorded, config)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"account": "1234"}, "ACCOUNT='1234' is not an AWS account id"),
        ({"region": "eu-nowhere-1"}, "REGION='eu-nowhere-1' is not an AWS region"),
        ({"alarm_email": "ops@"}, "ALARM_EMAIL='ops@' is not an e-mail address"),
        ({"domain": "https://x.example.com"}, "is not a domain name"),
        ({"phone_region": "DEU"}, "PHONE_REGION='DEU' is not a two-letter country code"),
        ({"sevenstamp_api_url": "http://api.7stamp.com"}, "is not an https URL"),
        ({"allowed_businesses": "b 1"}, "ALLOWED_BUSINESSES"),
    ],
)
def test_a_client_value_that_aws_or_the_connector_would_refuse_is_refused_by_name(
    tmp_path: Path, options: dict[str, str], message: str
) -> None:
    with pytest.raises(clients.ClientError, match=re.escape(message)):
        _record(tmp_path, "client-z", **{"account": "123456789012", "region": "eu-west-1", **options})
    assert not (tmp_path / "clients.json").exists()


def test_a_client_is_recorded_in_both_files_and_a_second_run_changes_only_what_it_is_given(tmp_path: Path) -> None:
    client = _record(
        tmp_path, "client-z", account="123456789012", region="eu-west-1", domain="Loyalty.Client.example", allowed_locations="l1,l2"
    )
    assert client.stack == "sevenstamp-connector-client-z" and client.public_url == "https://loyalty.client.example"
    _record(tmp_path, "client-z", alarm_email="ops@client.example", sevenstamp_api_url="http://127.0.0.1:9999/", domain="none")
    [again] = clients.load_all(tmp_path / "clients.json").values()
    assert again == clients.Client("client-z", "123456789012", "eu-west-1", alarm_email="ops@client.example")
    stage = json.loads((tmp_path / "config.json").read_text())["stages"]["client-z"]
    assert stage == {
        "api_gateway_stage": "api",
        "environment_variables": {"CONNECTOR_ALLOWED_LOCATIONS": "l1,l2", "SEVENSTAMP_API_URL": "http://127.0.0.1:9999"},
    }
    with pytest.raises(clients.ClientError, match="STAGE='-bad' is not a stage name"):
        _record(tmp_path, "-bad", account="123456789012", region="eu-west-1")


def test_a_rehearsal_goes_only_to_a_server_on_this_machine() -> None:
    from infra.account import Refused
    from infra.rehearse import local_endpoint

    assert local_endpoint("http://127.0.0.1:5000") == "http://127.0.0.1:5000"
    with pytest.raises(Refused, match="not on this machine"):
        local_endpoint("https://cloudformation.eu-west-1.amazonaws.com")
