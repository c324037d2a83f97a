"""`make unpark`: help, the running local stack found through MOTO_PORT, a deployed stage through its stack's outputs."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import boto3
import pytest

from stack.provision import load_template
from stack.unpark import Unreachable, output_key, stage_environment

REPO = Path(__file__).resolve().parents[2]
VARIABLES = list(load_template()["Globals"]["Function"]["Environment"]["Variables"])


def _unpark(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stack.unpark", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_help_prints_help_and_does_nothing(command_env: Callable[..., dict[str, str]]) -> None:
    done = _unpark(command_env(MOTO_PORT="1"), "--help")
    assert done.returncode == 0 and "usage: make unpark" in done.stdout and "--stage" in done.stdout


def test_no_local_stack_is_named_with_the_variable_to_set(command_env: Callable[..., dict[str, str]], stack_ports: dict[str, str]) -> None:
    done = _unpark(command_env(MOTO_PORT=stack_ports["MOTO_PORT"]))  # a free port: nothing answers there
    assert done.returncode == 2 and "start it with make run, or set MOTO_PORT" in done.stderr, done.stderr


def test_a_parked_event_on_the_local_stack_goes_back(stack, moto_url: str, command_env: Callable[..., dict[str, str]]) -> None:
    from chalicelib.pipeline import parked
    from sandbox import DEMO_KEY_A

    with stack.client(DEMO_KEY_A) as c:
        c.post("/v1/actions/add-stamp", json={"card_id": "card_demo_a"})  # the first call connects; 7stamp then sends stamp_added
    stack.settle()
    streams = stack.services.aws.client("dynamodbstreams")
    arn = stack.worker._stream_arn
    [shard] = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    [record] = streams.get_records(ShardIterator=iterator)["Records"][:1]
    sequence = record["dynamodb"]["SequenceNumber"]
    parked.park(stack.services, parked.note(arn, shard["ShardId"], sequence, sequence, 4, "RetryAttemptsExhausted"))

    done = _unpark(command_env(MOTO_PORT=moto_url.rsplit(":", 1)[1]))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "1 parked events fanned out again; 0 parked notes still fail"
    sqs = stack.services.aws.client("sqs")
    assert sqs.receive_message(QueueUrl=stack.services.settings.parked_queue_url, VisibilityTimeout=0).get("Messages", []) == []


def test_the_template_outputs_every_name_a_stage_needs() -> None:
    template = load_template()
    for variable in VARIABLES:
        assert template["Outputs"][output_key(variable)]["Value"] == template["Globals"]["Function"]["Environment"]["Variables"][variable]


def test_a_recorded_clients_stage_is_read_from_its_stacks_outputs(monkeypatch: pytest.MonkeyPatch) -> None:
    """client-a of infra/clients.json, in its own account and region (a moto server in that account, as a rehearsal uses)."""
    from infra import clients, rehearse

    client = clients.get("client-a")
    with rehearse.moto_server(client.account) as url:
        monkeypatch.setenv("AWS_ENDPOINT_URL", url)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        monkeypatch.delenv("AWS_PROFILE", raising=False)
        with pytest.raises(Unreachable, match="is not deployed"):
            stage_environment("client-a")
        body = {
            "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
            "Outputs": {output_key(v): {"Value": f"the-{v.lower()}"} for v in VARIABLES},
        }
        cloudformation = boto3.session.Session(region_name=client.region).client("cloudformation")
        cloudformation.create_stack(StackName=client.stack, TemplateBody=json.dumps(body))
        found = stage_environment("client-a")
    assert {v: found[v] for v in VARIABLES} == {v: f"the-{v.lower()}" for v in VARIABLES}
    assert found["AWS_REGION"] == client.region
    with pytest.raises(Unreachable, match="not recorded"):
        stage_environment("nobody")
