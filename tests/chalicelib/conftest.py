"""Fixtures of the unit tests under tests/chalicelib: the project's tables in moto, in this process.

The tables, queues and key are created from infra/resources.json (``stack.provision``, as the
local stack and the scenario suites do) once per process and kept between test modules (moto's
state outlives each module's mock unless something reset it meanwhile, which is checked);
before each test the tables are emptied and the queues purged, and a fresh set of services is
built on a ``ManualClock``, so each test starts from nothing in milliseconds.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from moto import mock_aws
from unit_support import ManualClock

from chalicelib import container
from chalicelib.aws import AwsClients
from chalicelib.container import Services
from chalicelib.settings import load

_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "MOTO_SQS_ENFORCE_STRICT_QUEUE_PURGE_BEHAVIOUR": "false",  # each test purges the queues, more often than once a minute
    # botocore would address DynamoDB Streams at an account's own host (<account>.streams-ddb...), which moto's
    # in-process mock does not answer; the regional host is the same API
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
}
_kept: dict[str, object] = {}  # this process's provisioned environment and clients, reused by every module


def _provisioned(clients: AwsClients) -> dict[str, str]:
    """The connector's environment for the template's resources, provisioned again only if moto was reset since."""
    from botocore.exceptions import ClientError

    from stack.provision import provision

    env = _kept.get("env")
    if isinstance(env, dict):
        try:  # a scenario suite in this process may have reset moto and provisioned again (another key id)
            clients.client("kms").describe_key(KeyId=env["KMS_KEY_ID"])
            clients.client("sqs").get_queue_attributes(QueueUrl=env["PARKED_QUEUE_URL"], AttributeNames=["QueueArn"])
            for name in (v for k, v in env.items() if k.endswith("_TABLE")):
                clients.client("dynamodb").describe_table(TableName=name)
            return env
        except ClientError:
            pass
    _kept["env"] = env = provision()
    return env


@pytest.fixture(scope="module")
def aws_env() -> Iterator[dict[str, str]]:
    """moto in this process (not the session's server) with every resource of the template; the connector's environment for them."""
    from stack import moto_atomic

    moto_atomic.install()  # the stores' claims are tested from threads too
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("AWS_ENDPOINT_URL", raising=False)
        for name, value in _ENV.items():
            patch.setenv(name, value)
        clients = _kept.setdefault("clients", AwsClients())  # making boto3 clients costs more than a test's calls
        assert isinstance(clients, AwsClients)
        mock = mock_aws()
        mock.start(reset=False)
        try:
            env = _provisioned(clients)
            for name, value in env.items():
                patch.setenv(name, value)
            patch.setattr(container, "AwsClients", lambda: clients)
            yield env
        finally:
            mock.stop(remove_data=False)


def _empty(env: dict[str, str]) -> None:
    clients = container.AwsClients()
    db = clients.client("dynamodb")
    for name in (v for k, v in env.items() if k.endswith("_TABLE")):
        for page in db.get_paginator("scan").paginate(TableName=name, ProjectionExpression="pk, sk"):
            for item in page["Items"]:
                db.delete_item(TableName=name, Key=item)
    sqs = clients.client("sqs")
    for url in (env["DELIVERY_QUEUE_URL"], env["LOOKUP_QUEUE_URL"], env["PARKED_QUEUE_URL"]):
        sqs.purge_queue(QueueUrl=url)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def services(aws_env: dict[str, str], clock: ManualClock) -> Services:
    """A fresh set of services over empty tables, on the test's clock."""
    _empty(aws_env)
    return container.build(load(os.environ), clock)
