"""Delivery under faults: retries on the schedule, 410, hangs, duplicates, redelivered work, crashed workers.

The store's clock is moved forward (the ``clock`` fixture) so retries minutes and hours
apart happen within the test; every wait is a bounded poll.
"""

from __future__ import annotations

import pytest
from event_support import connected, event_body, receiving, signed_post, subscribe, subscribe_and_stamp

from chalicelib.aws import SQS_MAX_DELAY
from chalicelib.pipeline import intake, jobs
from chalicelib.pipeline.delivery import RETRY_DELAYS
from chalicelib.store.deliveries import SAFETY_MARGIN
from chalicelib.store.records import DeliveryRecord, DeliveryStatus
from sandbox import DEMO_KEY_A, DEMO_LOCATION_A


def retry_round(stack, clock, seconds: float) -> None:
    """Move past a retry's time and past the safety net after it: the sweeper queues it (SQS's own delay is real time)."""
    clock.advance(seconds + SQS_MAX_DELAY + SAFETY_MARGIN)
    stack.worker.sweep()
    stack.settle()


def deliveries(client, hook_id: str) -> list[dict]:
    return client.get(f"/v1/hooks/{hook_id}/deliveries").json()


def test_500_twice_then_200_is_delivered_once_after_retries(stack, clock):
    with receiving(statuses=[500, 500]) as receiver, stack.client(DEMO_KEY_A) as c:
        hook = subscribe_and_stamp(stack, c, receiver.url)
        assert len(receiver.received) == 1
        retry_round(stack, clock, RETRY_DELAYS[0] * 1.3)
        assert len(receiver.received) == 2
        retry_round(stack, clock, RETRY_DELAYS[1] * 1.3)
        assert len(receiver.received) == 3
        retry_round(stack, clock, 86400)  # nothing more is due
        assert len(receiver.received) == 3
        ids = {r.headers["webhook-id"] for r in receiver.received}
        assert len(ids) == 1
        for r in receiver.received:
            r.verify(hook["secret"])
        [row] = deliveries(c, hook["id"])
        assert row["status"] == "delivered" and row["attempts"] == 3
        assert [h["status_code"] for h in row["history"]] == [500, 500, 200]


def test_a_retry_is_not_made_before_its_time(stack, clock):
    with receiving(statuses=[500]) as receiver, stack.client(DEMO_KEY_A) as c:
        subscribe_and_stamp(stack, c, receiver.url)
        retry_round(stack, clock, RETRY_DELAYS[0] * 0.5)
        assert len(receiver.received) == 1


def test_retry_after_from_the_subscriber_is_honoured(stack, clock):
    with receiving(statuses=[503], headers={"Retry-After": "3600"}) as receiver, stack.client(DEMO_KEY_A) as c:
        hook = subscribe_and_stamp(stack, c, receiver.url)
        retry_round(stack, clock, RETRY_DELAYS[1] * 1.3)  # the schedule's second slot, well before the hour asked for
        assert len(receiver.received) == 1
        retry_round(stack, clock, 3600)
        assert len(receiver.received) == 2
        assert deliveries(c, hook["id"])[0]["status"] == "delivered"


def test_410_removes_the_subscription_and_nothing_more_is_sent(stack):
    with receiving(default=410) as receiver, stack.client(DEMO_KEY_A) as c:
        subscribe_and_stamp(stack, c, receiver.url)
        assert len(receiver.received) == 1
        assert c.get("/v1/hooks").json() == []
        c.post("/v1/actions/add-stamp", json={"card_id": "card_demo_a"})
        stack.settle()
        assert len(receiver.received) == 1


def test_a_hanging_subscriber_is_cut_and_retried(stack, clock, monkeypatch):
    monkeypatch.setenv("DELIVERY_TIMEOUT_SECONDS", "1")  # 15 by default; 1 keeps the test short
    stack.rebuild()
    with receiving(hang=30, hangs=1) as receiver, stack.client(DEMO_KEY_A) as c:
        hook = subscribe_and_stamp(stack, c, receiver.url)
        assert deliveries(c, hook["id"])[0]["last_error"] == "timed out"
        retry_round(stack, clock, RETRY_DELAYS[0] * 1.3)
        [row] = deliveries(c, hook["id"])
        assert row["status"] == "delivered" and row["attempts"] == 2


def test_the_same_inbound_webhook_five_times_is_stored_and_delivered_once(stack, receiver):
    connection = connected(stack)
    with stack.client(DEMO_KEY_A) as c:
        subscribe(c, "card_opened", receiver.url)
        body = event_body()
        answers = [signed_post(stack, connection, body, "msg_dup_1") for _ in range(5)]
        assert [a.status_code for a in answers] == [200] * 5
        assert len({a.json()["id"] for a in answers}) == 1
        stack.settle()
        assert len(receiver.wait_for(1, 2)) == 1
        assert len(c.get("/v1/triggers/card_opened").json()) == 1


def test_sqs_redelivery_of_a_job_does_not_post_twice(stack, receiver):
    with stack.client(DEMO_KEY_A) as c:
        c.post("/v1/actions/add-stamp", json={"card_id": "card_demo_a"})  # the customer known first: the next event is
        stack.settle()  # enriched on receipt, so its first job is its delivery (not an enrich job), however busy the machine
        subscribe(c, "stamp_added", receiver.url)
        c.post("/v1/actions/add-stamp", json={"card_id": "card_demo_a"})
    stack.sandbox.wait_webhooks_idle(10)
    assert stack.worker.pump_stream() >= 1  # fan-out ran: the job is queued
    sqs = stack.services.aws.client("sqs")
    [message] = sqs.receive_message(QueueUrl=stack.services.queue.url(), MaxNumberOfMessages=10)["Messages"]
    event = {
        "Records": [
            {"messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"], "body": message["Body"], "attributes": {}}
        ]
    }
    import app

    assert app.deliver(event, None) == {"batchItemFailures": []}
    assert app.deliver(event, None) == {"batchItemFailures": []}  # SQS handed the same message again
    assert len(receiver.wait_for(1, 2)) == 1


def test_the_fanout_handler_run_twice_on_one_stream_batch_posts_once(stack, receiver, monkeypatch):
    with stack.client(DEMO_KEY_A) as c:
        subscribe(c, "stamp_added", receiver.url)
        c.post("/v1/actions/add-stamp", json={"card_id": "card_demo_a"})
    stack.sandbox.wait_webhooks_idle(10)
    real_send = stack.services.queue.send
    calls = []

    def send_then_crash(jobs, delay=0):
        calls.append(jobs)
        if len(calls) == 1:
            raise RuntimeError("worker died after writing the deliveries, before queueing them")
        real_send(jobs, delay)

    monkeypatch.setattr(stack.services.queue, "send", send_then_crash)
    with pytest.raises(RuntimeError):
        stack.worker.pump_stream()
    stack.settle()  # the stream batch is read again; fan-out runs a second time
    assert len(calls) == 2
    assert len(receiver.wait_for(1, 2)) == 1


def test_a_worker_that_dies_mid_delivery_leaves_no_subscriber_without_the_event(stack, receiver, clock):
    with stack.client(DEMO_KEY_A) as c:
        hook = subscribe(c, "stamp_added", receiver.url)
        c.post("/v1/actions/add-stamp", json={"card_id": "card_demo_a"})
    stack.sandbox.wait_webhooks_idle(10)
    assert stack.worker.pump_stream() >= 1  # fan-out ran: the job is queued
    [message] = stack.services.aws.client("sqs").receive_message(QueueUrl=stack.services.queue.url(), MaxNumberOfMessages=10)["Messages"]
    job = jobs.Job.loads(message["Body"])
    # a worker takes the job, claims the delivery and dies before posting: its lease stays behind, its message undeleted
    wanted = DeliveryRecord(
        hook["id"], job.location_id, job.dedup_key, job.event_cursor, job.event_id, job.event, DeliveryStatus.PENDING, 0, 0.0
    )
    assert stack.services.deliveries.claim(wanted, 60, first=job.first) is not None
    stack.settle()
    assert receiver.received == []
    assert stack.services.deliveries.due(100) == []  # the sweeper has nothing to do: the queue still holds the job
    clock.advance(61)  # the lease lapses; then the message's visibility timeout (longer than function timeout + lease) runs out
    stack.services.aws.client("sqs").change_message_visibility(
        QueueUrl=stack.services.queue.url(), ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
    )
    stack.settle()
    [got] = receiver.wait_for(1, 2)
    assert got.headers["webhook-id"] == job.event_id
    [record] = stack.services.delivery_log.recent(hook["id"], 10)
    assert record.status is DeliveryStatus.DELIVERED and record.attempts == 2 and record.location_id == DEMO_LOCATION_A


def test_a_job_handed_out_again_while_its_attempt_is_running_posts_nothing_more(stack, receiver, clock, monkeypatch):
    # the test takes the delivery job off the queue itself: the event must be enriched on receipt, not left to an enrich
    # job a busy machine's one-second wait would queue first
    monkeypatch.setattr(intake, "ENRICH_WAIT_INBOUND", 15.0)
    with stack.client(DEMO_KEY_A) as c:
        hook = subscribe(c, "stamp_added", receiver.url)
        c.post("/v1/actions/add-stamp", json={"card_id": "card_demo_a"})
    stack.sandbox.wait_webhooks_idle(10)
    assert stack.worker.pump_stream() >= 1
    [message] = stack.services.aws.client("sqs").receive_message(QueueUrl=stack.services.queue.url(), MaxNumberOfMessages=10)["Messages"]
    job = jobs.Job.loads(message["Body"])
    wanted = DeliveryRecord(
        hook["id"], job.location_id, job.dedup_key, job.event_cursor, job.event_id, job.event, DeliveryStatus.PENDING, 0, 0.0
    )
    assert stack.services.deliveries.claim(wanted, 60, first=True) is not None  # a worker holds the lease
    stack.services.aws.client("sqs").change_message_visibility(
        QueueUrl=stack.services.queue.url(), ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
    )
    stack.settle()  # the same job again, within the lease: its claim fails and it is done
    assert receiver.received == []
    assert stack.services.deliveries.claim(wanted, 60, first=True) is None


def test_failed_deliveries_are_kept_and_can_be_replayed(stack, clock):
    with receiving(default=500) as receiver, stack.client(DEMO_KEY_A) as c:
        hook = subscribe_and_stamp(stack, c, receiver.url)
        for delay in RETRY_DELAYS:
            retry_round(stack, clock, delay * 1.3)
        [row] = deliveries(c, hook["id"])
        assert row["status"] == "failed" and row["attempts"] == len(RETRY_DELAYS) + 1
        receiver.script.default = 200
        assert c.post(f"/v1/hooks/{hook['id']}/replay", json={}).json() == {"replayed": 1, "waiting": 0}
        stack.settle()
        assert deliveries(c, hook["id"])[0]["status"] == "delivered"
        assert c.post(f"/v1/hooks/{hook['id']}/replay", json={"since": "yesterday"}).status_code == 422


def test_a_subscription_failing_for_five_days_is_disabled(stack, clock):
    with receiving(default=500) as receiver, stack.client(DEMO_KEY_A) as c:
        hook = subscribe_and_stamp(stack, c, receiver.url)
        for _ in range(4):
            retry_round(stack, clock, 2 * 86400)
        assert c.get("/v1/hooks").json()[0]["disabled"] is True
        count = len(receiver.received)
        c.post("/v1/actions/add-stamp", json={"card_id": "card_demo_a"})
        stack.settle()
        assert len(receiver.received) == count
        shown = c.get(f"/v1/hooks/{hook['id']}").json()
        assert (shown["status"], shown["disabled_reason"]) == ("disabled", "every delivery failed for 5 days")
        assert [(row["status"], row["attempts"]) for row in deliveries(c, hook["id"])] == [("failed", 4)]  # the stamp after it made none
