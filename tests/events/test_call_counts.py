"""Issue 9's cost goal, counted with botocore's event hooks on the real path (sandbox webhook -> inbound -> stream -> queue -> POST)."""

from __future__ import annotations

from event_support import subscribe

from benchmarks.fanout import CallCounter
from sandbox import DEMO_KEY_A, DEMO_LOCATION_A


def delivered_with(stack, receiver, calls: CallCounter, count: int) -> dict[str, int]:
    before = len(receiver.received)
    calls.take()
    stack.emit(DEMO_LOCATION_A, "card_saved", customer_id="c_demo_a", card_id="card_demo_a")
    stack.settle()
    assert len(receiver.wait_for(before + count, 5)) == before + count
    return calls.take()


def dynamodb(calls: dict[str, int]) -> int:
    return sum(n for name, n in calls.items() if name.startswith("dynamodb."))


def test_one_event_costs_at_most_six_requests_and_one_more_per_subscriber(stack, receiver):
    calls = CallCounter()
    for service in ("dynamodb", "sqs", "kms"):
        calls.attach(stack.services.aws.client(service))
    calls.attach(stack.services.aws.bounded_client("dynamodb"))
    with stack.client(DEMO_KEY_A) as c:
        subscribe(c, "card_saved", receiver.url)
        delivered_with(stack, receiver, calls, 1)  # warm-up: the connection's key is decrypted once per process
        one = delivered_with(stack, receiver, calls, 1)
        for i in range(9):
            subscribe(c, "card_saved", f"{receiver.url}/more/{i}")  # one subscription per (event, URL)
        ten = delivered_with(stack, receiver, calls, 10)
    assert dynamodb(one) <= 5, one  # with the one SendMessageBatch: at most 6 requests by the handlers
    assert one.get("sqs.SendMessageBatch", 0) == 1, one
    assert "dynamodb.BatchGetItem" not in one, one  # the job carries its subscriptions: nothing read before the claim
    assert (dynamodb(ten) + ten.get("sqs.SendMessageBatch", 0) - dynamodb(one) - one["sqs.SendMessageBatch"]) <= 9, ten
