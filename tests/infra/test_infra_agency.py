"""An agency's day, in a temporary copy of the repository against one moto server: client, rehearse twice, clients, export, destroy.

The make targets run as an agency runs them (``make -o .venv/.installed``: the shared
environment is taken as installed). One moto server in account 444455556666 serves the
whole module; the tests run in order, each on what the previous one left.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra import rehearse

REPO = Path(__file__).resolve().parents[2]
ACCOUNT = "444455556666"
REGION = "eu-west-1"
STAGE = "client-b"
STACK = f"sevenstamp-connector-{STAGE}"


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's files (as in the work tree) in a temporary folder, with the shared environment linked in."""
    root = tmp_path_factory.mktemp("agency") / "repo"
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    for name in listed.splitlines():
        source = REPO / name
        if source.is_file() and not source.is_symlink():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, root / name)
    (root / ".venv").symlink_to((REPO / ".venv").resolve())
    return root


@pytest.fixture(scope="module")
def moto() -> Iterator[str]:
    """The rehearsal's own moto server (a free port of 127.0.0.1), in the agency test's account, for the whole module."""
    with rehearse.moto_server(ACCOUNT) as url:
        yield url


def _env(tmp: Path, moto: str | None) -> dict[str, str]:
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp), "AWS_EC2_METADATA_DISABLED": "true"}
    env.update(AWS_CONFIG_FILE=str(tmp / "none"), AWS_SHARED_CREDENTIALS_FILE=str(tmp / "none"))
    if moto:
        env.update(AWS_ACCESS_KEY_ID="agency", AWS_SECRET_ACCESS_KEY="agency", AWS_ENDPOINT_URL=moto, AWS_DEFAULT_REGION=REGION)
    return env


def make(copy: Path, moto: str | None, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", *args],
        cwd=copy,
        env=_env(copy.parent, moto),
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def aws(moto: str, service: str) -> Any:
    return boto3.session.Session(aws_access_key_id="agency", aws_secret_access_key="agency", region_name=REGION).client(
        service, endpoint_url=moto
    )


def test_make_client_refuses_bad_values_and_records_a_new_client(copy: Path, moto: str) -> None:
    refusals = {
        ("STAGE=Client_B", f"ACCOUNT={ACCOUNT}", f"REGION={REGION}"): "STAGE='Client_B' is not a stage name",
        ("STAGE=client-b", f"ACCOUNT={ACCOUNT}", "REGION=mars-north-1"): "REGION='mars-north-1' is not an AWS region",
        ("STAGE=client-b", "ACCOUNT=12345", f"REGION={REGION}"): "ACCOUNT='12345' is not an AWS account id",
        ("STAGE=client-b", f"ACCOUNT={ACCOUNT}", f"REGION={REGION}", "ALARM_EMAIL=ops"): "ALARM_EMAIL='ops' is not an e-mail address",
        ("STAGE=client-b", f"ACCOUNT={ACCOUNT}", f"REGION={REGION}", "SEVENSTAMP_API_URL=http://api.example.com"): "is not an https URL",
        ("STAGE=client-b", f"ACCOUNT={ACCOUNT}", f"REGION={REGION}", "ALLOWED_LOCATIONS=loc 1"): "ALLOWED_LOCATIONS",
    }
    for args, message in refusals.items():
        done = make(copy, moto, "client", *args)
        assert done.returncode != 0 and message in done.stderr, (args, done.stdout + done.stderr)
    assert "client-b" not in (copy / "infra" / "clients.json").read_text()

    done = make(
        copy, moto, "client", f"STAGE={STAGE}", f"REGION={REGION}", "ALARM_EMAIL=ops@agency.example", "PHONE_REGION=de",
        "ALLOWED_LOCATIONS=loc_1, loc_2", "ALLOWED_BUSINESSES=b_1",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    recorded = json.loads((copy / "infra" / "clients.json").read_text())["clients"][STAGE]
    assert recorded == {"account": ACCOUNT, "region": REGION, "alarm_email": "ops@agency.example"}  # the account from the credentials
    stage = json.loads((copy / ".chalice" / "config.json").read_text())["stages"][STAGE]
    assert stage["environment_variables"] == {
        "DEFAULT_PHONE_REGION": "DE",
        "CONNECTOR_ALLOWED_LOCATIONS": "loc_1,loc_2",
        "CONNECTOR_ALLOWED_BUSINESSES": "b_1",
    }
    done = make(copy, moto, "client", f"STAGE={STAGE}", "ALLOWED_BUSINESSES=none")  # again: only what is given changes
    assert done.returncode == 0, done.stdout + done.stderr
    stage = json.loads((copy / ".chalice" / "config.json").read_text())["stages"][STAGE]
    assert stage["environment_variables"] == {"DEFAULT_PHONE_REGION": "DE", "CONNECTOR_ALLOWED_LOCATIONS": "loc_1,loc_2"}


def test_rehearse_creates_then_updates_the_stack_with_the_templates_settings(copy: Path, moto: str) -> None:
    first = make(copy, moto, "rehearse", f"STAGE={STAGE}")
    assert first.returncode == 0, first.stdout + first.stderr
    assert f"Creating {STACK}" in first.stdout and "differ." in first.stdout and f"Rehearsal of {STACK}: passed" in first.stdout
    for unmodelled in ("InboundUrl", "AWS::Lambda::Url", "DeadLetterQueueAlarm", "AWS::CloudWatch::Alarm", "AlarmEmailSubscription"):
        assert unmodelled in first.stdout, unmodelled
    assert ": 0 differ." in first.stdout
    second = make(copy, moto, "rehearse", f"STAGE={STAGE}")
    assert second.returncode == 0, second.stdout + second.stderr
    assert f"Updating {STACK}" in second.stdout and f"Rehearsal of {STACK}: passed" in second.stdout

    cf = aws(moto, "cloudformation")
    [stack] = cf.describe_stacks(StackName=STACK)["Stacks"]
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    tags = {t["Key"]: t["Value"] for t in stack["Tags"]}
    assert tags["sevenstamp-connector:client"] == STAGE and tags["sevenstamp-connector:version"].startswith("1.")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    endpoint = outputs["EndpointURL"].rstrip("/")
    assert endpoint.startswith("https://") and ".execute-api.eu-west-1." in endpoint
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert parameters == {"PublicUrl": endpoint, "AlarmEmail": "ops@agency.example"}  # one run: the URL of the stack itself
    physical = {
        r["LogicalResourceId"]: r.get("PhysicalResourceId", "") for r in cf.describe_stack_resources(StackName=STACK)["StackResources"]
    }

    variables = aws(moto, "lambda").get_function_configuration(FunctionName=physical["APIHandler"])["Environment"]["Variables"]
    assert variables["CONNECTOR_PUBLIC_URL"] == endpoint
    assert variables["CONNECTOR_ALLOWED_LOCATIONS"] == "loc_1,loc_2" and variables["DEFAULT_PHONE_REGION"] == "DE"
    events = aws(moto, "dynamodb").describe_table(TableName=physical["EventsTable"])["Table"]
    assert events["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    sqs = aws(moto, "sqs")
    redrive = json.loads(
        sqs.get_queue_attributes(QueueUrl=physical["DeliveryQueue"], AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"]
    )
    dlq = sqs.get_queue_attributes(QueueUrl=physical["DeliveryDeadLetterQueue"], AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert redrive["deadLetterTargetArn"] == dlq
    mapping = aws(moto, "lambda").get_event_source_mapping(UUID=physical["FanoutFanoutDynamodbEventSource"])
    parked = sqs.get_queue_attributes(QueueUrl=physical["ParkedEventsQueue"], AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert mapping["BisectBatchOnFunctionError"] is True and mapping["DestinationConfig"]["OnFailure"]["Destination"] == parked
    assert mapping["EventSourceArn"] == events["LatestStreamArn"]


def test_commands_refuse_another_accounts_credentials_and_none(copy: Path, moto: str) -> None:
    done = make(copy, moto, "client", "STAGE=client-c", "ACCOUNT=222233334444", f"REGION={REGION}")
    assert done.returncode == 0, done.stdout + done.stderr
    for target in ("deploy", "rehearse", "destroy"):
        done = make(copy, moto, target, "STAGE=client-c", "YES=1")
        assert done.returncode != 0, (target, done.stdout + done.stderr)
        assert f"belong to account {ACCOUNT}, but client client-c is recorded in account 222233334444" in done.stderr, target
    assert aws(moto, "cloudformation").describe_stacks()["Stacks"][0]["StackName"] == STACK  # nothing landed for client-c
    done = make(copy, None, "deploy", f"STAGE={STAGE}")
    assert done.returncode != 0 and "No AWS credentials found, so nothing was done" in done.stderr, done.stdout + done.stderr


def test_clients_lists_every_client_with_status_version_and_url(copy: Path, moto: str) -> None:
    done = make(copy, moto, "clients")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = {line.split()[0]: line for line in done.stdout.splitlines()}
    assert "UPDATE_COMPLETE" in lines[STAGE] and " 1." in lines[STAGE] and ".execute-api.eu-west-1." in lines[STAGE]
    assert "(other account)" in lines["client-c"] and "(other account)" in lines["client-a"]
    assert {"STAGE", "client-a", STAGE, "client-c"} <= set(lines)


def test_upgrade_all_stops_at_the_first_client_that_fails_and_says_who_runs_what(copy: Path, moto: str) -> None:
    done = make(copy, moto, "upgrade-all")  # client-a comes first, and its account is not the active one
    assert done.returncode != 0, done.stdout + done.stderr
    assert "client-a failed, so the upgrade stopped there" in done.stderr and "belong to account" in done.stderr
    assert "Not tried: client-b, client-c." in done.stdout
    [line] = [line for line in done.stdout.splitlines() if line.startswith(f"{STAGE} ")]
    assert "UPDATE_COMPLETE" in line and " 1." in line  # the list after the stop: client-b still on what it ran


def test_export_takes_the_url_from_the_clients_stack(copy: Path, moto: str, tmp_path: Path) -> None:
    done = make(copy, moto, "export", "PLATFORM=powerautomate", f"STAGE={STAGE}", f"OUT={tmp_path / 'app'}")
    assert done.returncode == 0, done.stdout + done.stderr
    [stack] = aws(moto, "cloudformation").describe_stacks(StackName=STACK)["Stacks"]
    host = next(o["OutputValue"] for o in stack["Outputs"] if o["OutputKey"] == "EndpointURL").split("/")[2]
    assert host in (tmp_path / "app" / "apiDefinition.swagger.json").read_text()
    done = make(copy, moto, "export", "PLATFORM=powerautomate", "STAGE=client-c", f"OUT={tmp_path / 'other'}")
    assert done.returncode != 0 and "belong to account" in done.stderr


def test_destroy_unregisters_each_location_at_7stamp_then_removes_the_stack_keeping_data(
    copy: Path, moto: str, sandbox: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib import container
    from chalicelib.settings import load
    from chalicelib.sevenstamp import connect
    from chalicelib.store.records import Tenant
    from sandbox import DEMO_KEY_A, DEMO_LOCATION_A

    done = make(copy, moto, "client", f"STAGE={STAGE}", f"SEVENSTAMP_API_URL={sandbox.url}")
    assert done.returncode == 0, done.stdout + done.stderr
    cf = aws(moto, "cloudformation")
    resources = {r["LogicalResourceId"]: r for r in cf.describe_stack_resources(StackName=STACK)["StackResources"]}
    for name, value in {"AWS_ENDPOINT_URL": moto, "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    env = {v: resources[k]["PhysicalResourceId"] for k, v in {"LocationsTable": "LOCATIONS_TABLE", "ConnectorKey": "KMS_KEY_ID"}.items()}
    services = container.build(load({**env, "SEVENSTAMP_API_URL": sandbox.url}))
    with services.sevenstamp(DEMO_KEY_A) as client:  # a location connected as the connector connects one: webhook and kept key
        assert connect.ensure_connected(services, Tenant(DEMO_LOCATION_A, "Location A", "b", "Business", "staff"), DEMO_KEY_A, client)
        registered = {w["id"] for w in client.list_webhooks()}
    webhook = services.locations.get(DEMO_LOCATION_A).webhook_id  # type: ignore[union-attr]
    assert webhook in registered
    services.locations.claim("loc_without_key", "loc_without_key.secret")  # registered, but its key was never kept
    services.locations.complete("loc_without_key", "wh_elsewhere", "secret")

    done = make(copy, moto, "destroy", f"STAGE={STAGE}")
    assert done.returncode != 0 and "confirm with YES=1" in done.stderr, done.stdout + done.stderr
    done = make(copy, moto, "destroy", f"STAGE={STAGE}", "YES=1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"7stamp webhooks removed for 1 location(s): {DEMO_LOCATION_A}." in done.stdout
    assert "NOT removed for location loc_without_key: no key kept, webhook wh_elsewhere stays at 7stamp" in done.stdout
    with services.sevenstamp(DEMO_KEY_A) as client:
        assert webhook not in {w["id"] for w in client.list_webhooks()}
    assert not [s for s in cf.describe_stacks()["Stacks"] if s["StackName"] == STACK and s["StackStatus"] != "DELETE_COMPLETE"]
    kept = [line.split()[0] for line in done.stdout.split("Kept its data:")[1].splitlines()[1:] if line.startswith("  ")]
    assert set(kept) == {"LocationsTable", "IdempotencyTable", "EventsTable", "SubscriptionsTable", "DeliveriesTable"}  # KeysTable: Delete
    assert services.locations.get(DEMO_LOCATION_A) is not None  # the data is still there
    assert services.locations.get(DEMO_LOCATION_A).webhook_id is None  # type: ignore[union-attr]  # no check registers it again
