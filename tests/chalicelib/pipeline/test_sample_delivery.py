"""A test delivery (pipeline/sample_delivery.py): the trigger's sample marked as a test, signed, POSTed once, logged, never retried.

The subscriber is the project's hook receiver on 127.0.0.1 (the stage allows private targets here).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from chalicelib.container import Services
from chalicelib.contract import registry
from chalicelib.pipeline import sample_delivery
from chalicelib.security import signing
from chalicelib.store.records import DeliveryStatus, Subscription
from stack.receiver import HookReceiver, Script


@pytest.fixture(scope="module")
def running() -> Iterator[HookReceiver]:
    r = HookReceiver(Script()).start()
    yield r
    r.stop()


@pytest.fixture
def receiver(running: HookReceiver) -> HookReceiver:
    """The module's receiver (stopping one takes half a second), with nothing received and the default answers."""
    running.clear()
    running.script = Script()
    return running


@pytest.fixture
def local(services: Services) -> Services:
    return replace(services, settings=replace(services.settings, allow_private_targets=True))


def subscription(receiver: HookReceiver, event: str = "stamp_added") -> Subscription:
    return Subscription("hook_0001", "loc_a", event, f"{receiver.url}/hook", {}, signing.new_secret(), "t")


def test_the_sample_arrives_signed_and_marked_as_a_test(local: Services, receiver: HookReceiver) -> None:
    sub = subscription(receiver)
    event_id, attempt = sample_delivery.send(local, sub)
    [got] = receiver.received
    body = got.verify(sub.secret)
    assert body == {**registry.triggers()["stamp_added"].sample, "id": event_id, "test": True}
    assert attempt.status_code == 200 and attempt.error is None


def test_the_attempt_is_logged_as_a_test_and_never_sent_again(local: Services, receiver: HookReceiver) -> None:
    receiver.script.default = 500
    sub = subscription(receiver)
    event_id, attempt = sample_delivery.send(local, sub)
    assert attempt.status_code == 500
    [logged] = local.delivery_log.recent(sub.id, 10)
    assert (logged.event_id, logged.status, logged.test, logged.attempts) == (event_id, DeliveryStatus.FAILED, True, 1)
    assert local.deliveries.count_outstanding(sub.id, None) == (0, 0)  # a replay leaves it alone
    assert len(receiver.received) == 1


def test_each_test_is_a_new_event(local: Services, receiver: HookReceiver) -> None:
    sub = subscription(receiver)
    first, _ = sample_delivery.send(local, sub)
    second, _ = sample_delivery.send(local, sub)
    assert first != second and len(local.delivery_log.recent(sub.id, 10)) == 2


def test_a_private_target_is_refused_where_the_stage_does_not_allow_it(services: Services, receiver: HookReceiver) -> None:
    strict = replace(services, settings=replace(services.settings, allow_private_targets=False))
    _, attempt = sample_delivery.send(strict, subscription(receiver))
    assert attempt.status_code is None and attempt.error
    assert receiver.received == []
