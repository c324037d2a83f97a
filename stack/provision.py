"""Create the tables, queues and key of ``infra/resources.json`` in moto (or any AWS endpoint).

The local stack and the tests read the very template that AWS deploys, so there is no
second list of resources to keep in step; what a resource is named locally is decided
here, and handed to the connector through the environment variables the template's
``Globals`` wire on AWS.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3

TEMPLATE = Path(__file__).resolve().parent.parent / "infra" / "resources.json"
_TABLE_KEYS = ("AttributeDefinitions", "KeySchema", "BillingMode", "LocalSecondaryIndexes", "GlobalSecondaryIndexes", "StreamSpecification")


_CLIENTS: dict[tuple[str, ...], Any] = {}


def _client(service: str, region: str) -> Any:
    """One client per service, region and endpoint for the whole process.

    A new session reads botocore's service models again (about a tenth of a second of CPU
    each), and the tests provision afresh before each of some three hundred of them.
    """
    where = tuple(os.environ.get(name, "") for name in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_PROFILE"))
    session = _CLIENTS.get(("session", region, *where))
    if session is None:
        session = _CLIENTS[("session", region, *where)] = boto3.session.Session(region_name=region)
    key = (service, region, *where)
    if key not in _CLIENTS:
        _CLIENTS[key] = session.client(service)
    return _CLIENTS[key]


def load_template() -> dict[str, Any]:
    return json.loads(TEMPLATE.read_text())


def _name(prefix: str, logical_id: str) -> str:
    return prefix + "-" + re.sub(r"(?<!^)(?=[A-Z])", "-", logical_id).lower()


class _Provisioner:
    def __init__(self, prefix: str, region: str) -> None:
        self.prefix = prefix
        self.region = region
        self.refs: dict[str, str] = {}  # logical id -> Ref value
        self.attrs: dict[tuple[str, str], str] = {}  # (logical id, attribute) -> value

    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict) and "Ref" in value:
            return self.refs[value["Ref"]]
        if isinstance(value, dict) and "Fn::GetAtt" in value:
            logical, attr = value["Fn::GetAtt"]
            return self.attrs[(logical, attr)]
        if isinstance(value, dict) and isinstance(value.get("Fn::Sub"), str):
            return value["Fn::Sub"].replace("${AWS::StackName}", self.prefix)
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value

    def table(self, logical: str, props: dict[str, Any]) -> None:
        db = _client("dynamodb", self.region)
        name = _name(self.prefix, logical)
        args = {k: props[k] for k in _TABLE_KEYS if k in props}
        if "StreamSpecification" in args:
            args["StreamSpecification"] = {"StreamEnabled": True, **args["StreamSpecification"]}
        try:
            described = db.create_table(TableName=name, **args)["TableDescription"]
            created = True
        except db.exceptions.ResourceInUseException:
            described, created = {}, False
        if described.get("TableStatus") != "ACTIVE":  # moto's new tables are active at once: no waiting, no second read
            db.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
            described = db.describe_table(TableName=name)["Table"]
        ttl = props.get("TimeToLiveSpecification")
        # a table just created has no TTL yet; one found already there is asked first
        if ttl and (created or db.describe_time_to_live(TableName=name)["TimeToLiveDescription"].get("TimeToLiveStatus") != "ENABLED"):
            db.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        self.refs[logical] = name
        self.attrs[(logical, "Arn")] = described["TableArn"]
        if described.get("LatestStreamArn"):
            self.attrs[(logical, "StreamArn")] = described["LatestStreamArn"]

    def queue(self, logical: str, props: dict[str, Any]) -> None:
        sqs = _client("sqs", self.region)
        name = _name(self.prefix, logical)
        attributes = {}
        for key, value in props.items():
            if key in ("QueueName", "SqsManagedSseEnabled"):
                continue
            resolved = self.resolve(value)
            attributes[key] = json.dumps(resolved) if isinstance(resolved, dict) else str(resolved)
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.refs[logical] = url
        self.attrs[(logical, "Arn")] = arn
        self.attrs[(logical, "QueueName")] = name

    def key(self, logical: str, props: dict[str, Any]) -> None:
        kms = _client("kms", self.region)
        alias = f"alias/{self.prefix}"
        try:
            key_id = kms.describe_key(KeyId=alias)["KeyMetadata"]["KeyId"]
        except kms.exceptions.NotFoundException:
            key_id = kms.create_key(Description=props.get("Description", logical))["KeyMetadata"]["KeyId"]
            kms.create_alias(AliasName=alias, TargetKeyId=key_id)
        self.refs[logical] = key_id


def provision(prefix: str = "7stamp-connector", region: str = "us-east-1") -> dict[str, str]:
    """Create every table, queue and key of the template; returns the connector's environment for them."""
    template = load_template()
    p = _Provisioner(prefix, region)
    handlers: dict[str, Callable[[str, dict[str, Any]], None]] = {
        "AWS::DynamoDB::Table": p.table,
        "AWS::SQS::Queue": p.queue,
        "AWS::KMS::Key": p.key,
    }
    resources = template["Resources"]
    # entries without a Type only amend what Chalice generates (roles, event sources): nothing to create here
    pending = [k for k, r in resources.items() if r.get("Type") in handlers]
    for _ in range(len(pending) + 1):  # dependencies first: retry what could not resolve yet
        if not pending:
            break
        later = []
        for logical in pending:
            try:
                handlers[resources[logical]["Type"]](logical, resources[logical].get("Properties", {}))
            except KeyError:
                later.append(logical)
        pending = later
    if pending:
        raise RuntimeError(f"could not provision {pending}")
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    return {name: str(p.resolve(value)) for name, value in variables.items()}


def stream_arn(table_name: str, region: str = "us-east-1") -> str:
    """The stream of a table the template gave a StreamSpecification (the events table)."""
    db = _client("dynamodb", region)
    return str(db.describe_table(TableName=table_name)["Table"]["LatestStreamArn"])
