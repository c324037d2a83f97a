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

from infra import clients, rehearse, template_changes

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


def test_the_deliver_mapping_has_a_bounded_concurrency(resources: dict[str, Any]) -> None:
    """One client's hanging endpoint can hold at most this many of the account's concurrent executions (README, scale)."""
    sqs = resources["Deliver"]["Properties"]["Events"]["DeliverSqsEventSource"]["Properties"]
    assert 2 <= sqs["ScalingConfig"]["MaximumConcurrency"] <= 20


def test_lookups_have_a_lane_of_their_own_so_they_never_hold_a_delivery_invocation(
    packaged: tuple[Path, subprocess.CompletedProcess[str]], resources: dict[str, Any]
) -> None:
    """A booked lookup sleeps until its second: its mapping is another queue's, with a bounded concurrency of its own."""
    events = resources["Deliver"]["Properties"]["Events"]
    lookups, deliveries = events["LookupSqsEventSource"]["Properties"], events["DeliverSqsEventSource"]["Properties"]
    assert lookups["Queue"] != deliveries["Queue"]
    assert 2 <= lookups["ScalingConfig"]["MaximumConcurrency"] <= deliveries["ScalingConfig"]["MaximumConcurrency"]
    env = json.loads((packaged[0] / "sam.json").read_text())["Globals"]["Function"]["Environment"]["Variables"]
    assert env["LOOKUP_QUEUE_URL"] == {"Ref": "LookupQueue"}
    lane = resources["LookupQueue"]["Properties"]
    assert lane["VisibilityTimeout"] >= resources["Deliver"]["Properties"]["Timeout"]  # as Lambda requires of a mapping's queue


def test_queues_are_encrypted_with_the_connectors_key_and_only_the_stacks_roles_use_them(resources: dict[str, Any]) -> None:
    queues = [name for name, r in resources.items() if r["Type"] == "AWS::SQS::Queue"]
    assert sorted(queues) == ["DeliveryDeadLetterQueue", "DeliveryQueue", "LookupQueue", "ParkedEventsQueue"]
    for name in queues:
        props = resources[name]["Properties"]
        assert props["KmsMasterKeyId"] == {"Ref": "ConnectorKey"} and "SqsManagedSseEnabled" not in props
    assert resources["DeliveryDeadLetterQueue"]["Properties"]["MessageRetentionPeriod"] <= 4 * 86400  # as the README says
    [policy] = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::SQS::QueuePolicy"]
    assert sorted(q["Ref"] for q in policy["Queues"]) == sorted(queues)
    [deny] = policy["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny" and deny["Principal"] == "*" and "sqs:ReceiveMessage" in deny["Action"]
    allowed = {a["Fn::GetAtt"][0] for a in deny["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]}
    roles = {name for name, r in resources.items() if r["Type"] == "AWS::IAM::Role"}
    assert allowed == roles, "every role of the stack, and nothing else, may use the queues"
    granted = [s for _, s in _statements(resources) if "kms:GenerateDataKey" in _as_list(s["Action"])]
    assert granted and all(s["Resource"] == {"Fn::GetAtt": ["ConnectorKey", "Arn"]} for s in granted)


def test_event_sources_read_the_stacks_own_queue_and_stream(resources: dict[str, Any]) -> None:
    events = resources["Deliver"]["Properties"]["Events"]
    for source, queue in (("DeliverSqsEventSource", "DeliveryQueue"), ("LookupSqsEventSource", "LookupQueue")):
        sqs = events[source]
        assert sqs["Type"] == "SQS"
        assert sqs["Properties"]["Queue"] == {"Fn::GetAtt": [queue, "Arn"]}
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


@pytest.mark.parametrize("stage", sorted(clients.load_all()))
def test_every_recorded_clients_package_lints_clean(stage: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "infra.package", "--stage", stage, "--out", str(tmp_path / stage)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0 and "cfn-lint found nothing" in done.stdout, done.stdout + done.stderr


def test_the_public_url_and_the_alarm_email_are_stack_parameters(resources: dict[str, Any], packaged: tuple[Path, Any]) -> None:
    template = json.loads((packaged[0] / "sam.json").read_text())
    assert set(template["Parameters"]) == {"PublicUrl", "AlarmEmail"}
    assert resources["APIHandler"]["Properties"]["Environment"]["Variables"]["CONNECTOR_PUBLIC_URL"] == {"Ref": "PublicUrl"}
    subscription = resources["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail" and subscription["Properties"]["TopicArn"] == {"Ref": "AlarmTopic"}


def test_the_packaged_tables_apply_in_one_update_from_the_last_release(packaged: tuple[Path, Any]) -> None:
    """A stack of the last release (infra/released-tables.json) must take this template in one update."""
    released = json.loads(template_changes.SNAPSHOT.read_text())
    assert set(template_changes.tables(released)) >= {"LocationsTable", "EventsTable", "DeliveriesTable"}
    assert template_changes.unsafe_changes(released, json.loads((packaged[0] / "sam.json").read_text())) == []


def _table(*indexes: str, key: str = "pk", retain: bool = True) -> dict[str, Any]:
    props = {
        "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
        "GlobalSecondaryIndexes": [{"IndexName": i, "KeySchema": [{"AttributeName": i, "KeyType": "HASH"}]} for i in indexes],
    }
    policy = {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"} if retain else {}
    return {"Resources": {"DeliveriesTable": {"Type": "AWS::DynamoDB::Table", **policy, "Properties": props}}}


def test_an_update_creating_or_deleting_more_than_one_index_of_a_table_is_named_with_the_way_out() -> None:
    assert template_changes.unsafe_changes(_table("sweep"), _table("sweep", "by_location")) == []
    assert template_changes.unsafe_changes(_table("due", "by_location"), _table("by_location")) == []
    [problem] = template_changes.unsafe_changes(_table("due"), _table("sweep", "by_location"))  # the change issue 19 found
    assert problem.startswith(
        "DeliveriesTable: 2 global secondary index(es) created and 1 deleted (delete due, create by_location, create sweep)"
    )
    assert "one index change each" in problem
    changed = _table("sweep")
    changed["Resources"]["DeliveriesTable"]["Properties"]["GlobalSecondaryIndexes"][0]["KeySchema"][0]["AttributeName"] = "other"
    assert "1 global secondary index(es) created and 1 deleted" in template_changes.unsafe_changes(_table("sweep"), changed)[0]


def test_a_key_schema_change_that_replaces_a_retained_table_is_named() -> None:
    [problem] = template_changes.unsafe_changes(_table(key="pk"), _table(key="id"))
    assert problem.startswith("DeliveriesTable: a change of KeySchema replaces this retained table, leaving its data in the old one")
    [deleted] = template_changes.unsafe_changes(_table(key="pk", retain=False), _table(key="id", retain=False))
    assert "replaces the table and deletes its data" in deleted


def test_the_rehearsal_leaves_out_what_moto_does_not_model_and_names_what_it_referred_to() -> None:
    template = {
        "Resources": {
            "Topic": {"Type": "AWS::SNS::Topic", "Properties": {}},
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Environment": {"Variables": {"U": {"Fn::GetAtt": ["Url", "FunctionUrl"]}}}},
            },
            "Url": {"Type": "AWS::Lambda::Url", "Properties": {"TargetFunctionArn": {"Fn::GetAtt": ["Fn", "Arn"]}}},
            "Alarm": {"Type": "AWS::CloudWatch::Alarm", "DependsOn": "Url", "Properties": {"AlarmActions": [{"Ref": "Topic"}]}},
        },
        "Outputs": {"Inbound": {"Value": {"Fn::Sub": "${Url.FunctionUrl}x"}}},
    }
    gaps = rehearse.Gaps()
    sent = rehearse.for_moto(template, gaps)
    assert set(sent["Resources"]) == {"Topic", "Fn"}
    assert sent["Resources"]["Fn"]["Properties"]["Environment"]["Variables"]["U"] == "unmodelled:Url.FunctionUrl"
    assert sent["Outputs"]["Inbound"]["Value"] == {"Fn::Sub": "unmodelled:Url.FunctionUrlx"}
    assert gaps.resources == {
        "Url": ("AWS::Lambda::Url", "not modelled by moto's CloudFormation"),
        "Alarm": ("AWS::CloudWatch::Alarm", "not modelled by moto's CloudFormation"),
    }
    assert gaps.references == {"Url": {"Fn"}, "Alarm": {"Topic"}}


def test_the_api_function_has_reserved_concurrency(resources: dict[str, Any]) -> None:
    """Issue 23: one caller's slow requests may take the API's share of the account's concurrency, never all of it."""
    assert resources["APIHandler"]["Properties"]["ReservedConcurrentExecutions"] == 25
