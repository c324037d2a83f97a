"""The AWS package of a stage: `make package`'s command, cfn-lint clean, and the template and zip hold what they must.

`chalice package` runs once for the whole session (it downloads the Linux wheels).
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
TTL_TABLES = ("KeysTable", "IdempotencyTable", "EventsTable", "DeliveriesTable")
TABLES = ("LocationsTable", "SubscriptionsTable", *TTL_TABLES)
FUNCTION_ROLES = {"APIHandler": "ApiHandlerRole", "Fanout": "FanoutRole", "Deliver": "DeliverRole", "Sweep": "SweepRole"}


@pytest.fixture(scope="session")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = tmp_path_factory.mktemp("package") / "dev"
    done = subprocess.run(
        [sys.executable, "-m", "infra.package", "--stage", "dev", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return out, done


@pytest.fixture(scope="session")
def resources(packaged: tuple[Path, subprocess.CompletedProcess[str]]) -> dict[str, Any]:
    out, done = packaged
    assert done.returncode == 0, done.stdout + done.stderr
    return dict(json.loads((out / "sam.json").read_text())["Resources"])


def _statements(resources: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every statement of the IAM policies (not the KMS key's own policy, whose Resource is always "*")."""
    for name, resource in resources.items():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            documents = [p["PolicyDocument"] for p in props.get("Policies", [])]
        elif resource["Type"] in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
            documents = [props["PolicyDocument"]]
        else:
            continue
        for document in documents:
            for statement in document["Statement"]:
                yield name, statement


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_package_command_lints_clean_and_says_where_it_is(packaged: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, done = packaged
    assert done.returncode == 0, done.stdout + done.stderr
    assert "cfn-lint found nothing" in done.stdout
    assert str(out / "sam.json") in done.stdout


def test_tables_are_on_demand_with_recovery_ttl_and_the_events_stream(resources: dict[str, Any]) -> None:
    for name in TABLES:
        props = resources[name]["Properties"]
        assert props["BillingMode"] == "PAY_PER_REQUEST", name
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}, name
    for name in TTL_TABLES:
        assert resources[name]["Properties"]["TimeToLiveSpecification"]["Enabled"] is True, name
    assert resources["EventsTable"]["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}


def test_delivery_queue_redrives_to_a_dead_letter_queue_and_outlasts_the_function(resources: dict[str, Any]) -> None:
    queue = resources["DeliveryQueue"]["Properties"]
    assert resources["DeliveryDeadLetterQueue"]["Type"] == "AWS::SQS::Queue"
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["DeliveryDeadLetterQueue", "Arn"]}
    assert queue["RedrivePolicy"]["maxReceiveCount"] >= 1
    assert queue["VisibilityTimeout"] >= 6 * resources["Deliver"]["Properties"]["Timeout"]
    # a worker that dies mid-attempt: SQS hands its job out again only after the lease it took has lapsed
    from chalicelib.pipeline.delivery import LEASE_SECONDS

    assert queue["VisibilityTimeout"] > resources["Deliver"]["Properties"]["Timeout"] + LEASE_SECONDS


def test_event_sources_read_the_stacks_own_queue_and_stream(resources: dict[str, Any]) -> None:
    sqs = resources["Deliver"]["Properties"]["Events"]["DeliverSqsEventSource"]
    assert sqs["Type"] == "SQS"
    assert sqs["Properties"]["Queue"] == {"Fn::GetAtt": ["DeliveryQueue", "Arn"]}
    assert sqs["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    stream = resources["Fanout"]["Properties"]["Events"]["FanoutDynamodbEventSource"]
    assert stream["Properties"]["Stream"] == {"Fn::GetAtt": ["EventsTable", "StreamArn"]}
    assert "000000000000" not in json.dumps(resources), "a placeholder ARN of app.py survived the merge"


def test_function_timeouts(resources: dict[str, Any]) -> None:
    timeouts = {name: resources[name]["Properties"]["Timeout"] for name in ("APIHandler", "Fanout", "Deliver")}
    assert timeouts == {"APIHandler": 30, "Fanout": 60, "Deliver": 60}


def test_iam_grants_data_access_only_on_the_stacks_own_resources(resources: dict[str, Any]) -> None:
    checked = 0
    for name, statement in _statements(resources):
        actions = _as_list(statement["Action"])
        if any(a.split(":")[0] in ("dynamodb", "sqs", "kms") for a in actions):
            checked += 1
            assert "*" not in _as_list(statement["Resource"]), f"{name}: {statement}"
            assert not any(a.endswith(":*") for a in actions), f"{name}: {statement}"
    assert checked >= 3
    for function, role in FUNCTION_ROLES.items():
        assert resources[function]["Properties"]["Role"] == {"Fn::GetAtt": [role, "Arn"]}
        assert {"Ref": "ConnectorAccessPolicy"} in resources[role]["Properties"]["ManagedPolicyArns"], role


def test_alarms_watch_the_dead_letter_queue_and_failed_deliveries(resources: dict[str, Any]) -> None:
    alarms = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    dlq = [a for a in alarms if a["MetricName"] == "ApproximateNumberOfMessagesVisible"]
    assert dlq and dlq[0]["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["DeliveryDeadLetterQueue", "QueueName"]}}]
    assert dlq[0]["Threshold"] == 0 and dlq[0]["ComparisonOperator"] == "GreaterThanThreshold"
    filters = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Logs::MetricFilter"]
    failures = [f for f in filters if f["MetricTransformations"][0]["MetricName"] == "DeliveryFailures"]
    assert failures and resources[failures[0]["LogGroupName"]["Ref"]]["Properties"]["LogGroupName"] == {"Fn::Sub": "/aws/lambda/${Deliver}"}
    assert any(a["MetricName"] == "DeliveryFailures" for a in alarms)


def test_deployment_zip_holds_the_app_and_the_linked_packages(packaged: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, done = packaged
    assert done.returncode == 0, done.stdout + done.stderr
    with zipfile.ZipFile(out / "deployment.zip") as archive:
        names = archive.namelist()
    assert "app.py" in names
    for package in ("chalicelib", "triggers", "actions"):
        assert f"{package}/__init__.py" in names, package
        assert sum(n.startswith(f"{package}/") and n.endswith(".py") for n in names) > 1, package
    assert not any(n.startswith(("tests/", "stack/", "sandbox/")) for n in names)
    assert {"chalicelib/console/index.html", "chalicelib/console/console.js", "chalicelib/console/console.css"} <= set(names)


def test_the_stream_mapping_parks_failing_records_instead_of_blocking_its_shard(resources: dict[str, Any]) -> None:
    mapping = resources["Fanout"]["Properties"]["Events"]["FanoutDynamodbEventSource"]["Properties"]
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BisectBatchOnFunctionError"] is True
    assert 0 <= mapping["MaximumRetryAttempts"] <= 10
    assert 60 <= mapping["MaximumRecordAgeInSeconds"] <= 86400  # less than the stream keeps records (24 h)
    assert mapping["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": ["ParkedEventsQueue", "Arn"]}
    assert mapping["ParallelizationFactor"] > 1 and mapping["MaximumBatchingWindowInSeconds"] >= 1
    alarms = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    assert any(a.get("Dimensions") == [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["ParkedEventsQueue", "QueueName"]}}] for a in alarms)
    statements = [s for _, s in _statements(resources) if "sqs:SendMessage" in _as_list(s["Action"])]
    assert any(s["Resource"] == {"Fn::GetAtt": ["ParkedEventsQueue", "Arn"]} for s in statements)


def test_the_sweep_index_is_sharded_and_projects_only_what_the_sweeper_reads(resources: dict[str, Any]) -> None:
    [index] = [i for i in resources["DeliveriesTable"]["Properties"]["GlobalSecondaryIndexes"] if i["IndexName"] == "sweep"]
    assert [k["AttributeName"] for k in index["KeySchema"]] == ["due", "sweep_at"]
    assert index["Projection"]["ProjectionType"] == "INCLUDE"


def test_inbound_has_a_public_function_url_that_the_api_registers_with_7stamp(resources: dict[str, Any]) -> None:
    inbound = resources["Inbound"]["Properties"]
    assert inbound["Handler"] == "app.inbound_url"
    assert inbound["Role"] == {"Fn::GetAtt": ["InboundRole", "Arn"]}
    assert {"Ref": "ConnectorAccessPolicy"} in resources["InboundRole"]["Properties"]["ManagedPolicyArns"]
    url = resources["InboundUrl"]
    assert url["Type"] == "AWS::Lambda::Url"
    assert url["Properties"]["AuthType"] == "NONE"  # 7stamp signs its deliveries; the signature is checked in the function
    assert url["Properties"]["TargetFunctionArn"] == {"Fn::GetAtt": ["Inbound", "Arn"]}
    grants = {
        r["Properties"]["Action"]: r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::Permission" and r["Properties"]["FunctionName"] == {"Ref": "Inbound"}
    }
    assert grants["lambda:InvokeFunctionUrl"]["FunctionUrlAuthType"] == "NONE"
    assert grants["lambda:InvokeFunction"]["InvokedViaFunctionUrl"] is True
    variables = resources["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert variables["CONNECTOR_INBOUND_URL"] == {"Fn::GetAtt": ["InboundUrl", "FunctionUrl"]}


def test_the_api_function_has_reserved_concurrency(resources: dict[str, Any]) -> None:
    """Issue 23: one caller's slow requests may take the API's share of the account's concurrency, never all of it."""
    assert resources["APIHandler"]["Properties"]["ReservedConcurrentExecutions"] == 25
