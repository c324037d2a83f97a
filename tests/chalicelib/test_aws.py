"""The services' boto3 clients (chalicelib/aws.py): one per service and kind, made once even when many threads ask at once."""

from __future__ import annotations

import threading

from chalicelib.aws import BOUNDED, AwsClients


def test_one_client_per_service_and_a_separate_bounded_one(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    clients = AwsClients()
    assert clients.client("sqs") is clients.client("sqs")
    assert clients.bounded_client("dynamodb") is clients.bounded_client("dynamodb")
    assert clients.bounded_client("dynamodb") is not clients.client("dynamodb")
    bounded = clients.bounded_client("dynamodb").meta.config
    assert (bounded.connect_timeout, bounded.read_timeout) == (BOUNDED["connect_timeout"], BOUNDED["read_timeout"])
    assert clients.bounded_client("dynamodb").meta.service_model.service_name == "dynamodb"


def test_many_threads_asking_at_once_get_one_client(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    clients = AwsClients()
    got: list[object] = []
    lock = threading.Lock()
    start = threading.Barrier(6)

    def ask() -> None:
        start.wait(10)
        client = clients.client("kms")
        with lock:
            got.append(client)

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert len(got) == 6 and len({id(c) for c in got}) == 1


def test_a_fresh_set_makes_its_own_clients(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    assert AwsClients().client("sqs") is not AwsClients().client("sqs")
