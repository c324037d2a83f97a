"""The local stack's faster moto SQS keeps SQS's behaviour: delays, visibility, retention."""

from __future__ import annotations

import time

import boto3
import pytest
from moto import mock_aws

from stack import moto_sqs


@pytest.fixture
def sqs():
    moto_sqs.install()
    with mock_aws():
        client = boto3.client("sqs", region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t")
        yield client


def test_delayed_and_received_messages_stay_hidden_until_their_time(sqs):
    url = sqs.create_queue(QueueName="q", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)
    sqs.send_message(QueueUrl=url, MessageBody="now")
    [got] = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert got["Body"] == "now"
    assert sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []) == []  # "now" is in flight, "later" delayed
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=got["ReceiptHandle"], VisibilityTimeout=0)
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]] == ["now"]


def test_a_message_older_than_the_retention_period_is_not_handed_out(sqs):
    from moto.sqs.models import sqs_backends

    url = sqs.create_queue(QueueName="r", Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="old")
    queue = sqs_backends["123456789012"]["us-east-1"].get_queue("r")
    [message] = queue._messages
    message.sent_timestamp = int((time.time() - 61) * 1000)
    assert sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []) == []
    sqs.send_message(QueueUrl=url, MessageBody="young")
    queue._messages[-1].sent_timestamp = int((time.time() - 30) * 1000)  # within the 60 s
    assert "young" in [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]]
