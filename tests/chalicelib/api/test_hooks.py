"""The hook routes (api/hooks.py) through the connector's app: subscribe, list, one, unsubscribe, enable, disable, replay, retry now.

Chalice's in-process test client; the store and queue are real (moto). The location is not
connected, so subscribing asks nothing of 7stamp; targets are public IP literals (no DNS).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from chalice.test import Client
from unit_support import route_client

from chalicelib.container import Services
from chalicelib.pipeline.jobs import Job
from chalicelib.store.events import event_id_for
from chalicelib.store.records import Attempt, DeliveryRecord, DeliveryStatus, Tenant

KEY = "7loc_sc_hooks_unit_key_00000001"
OTHER_KEY = "7loc_sc_hooks_unit_key_00000002"
TENANT = Tenant("loc_a", "Café A", "biz_1", "Biz", "staff@example.com")
OTHER = Tenant("loc_b", "Café B", "biz_2", "Biz 2", "staff@example.com")
TARGET = "https://93.184.216.34/hooks/a"


@pytest.fixture
def client(services: Services, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    with route_client(services, monkeypatch, {KEY: TENANT, OTHER_KEY: OTHER}) as c:  # type: ignore[attr-defined]
        yield c


def call(client: Client, method: str, path: str, body: object = None, key: str = KEY) -> tuple[int, object, dict[str, str]]:
    raw = b"" if body is None else json.dumps(body).encode()
    answer = client.http.request(method, path, headers={"X-API-Key": key, "Content-Type": "application/json"}, body=raw)
    return answer.status_code, json.loads(answer.body) if answer.body else None, answer.headers


def subscribe(client: Client, event: str = "stamp_added", url: str = TARGET, key: str = KEY) -> dict:
    status, body, _ = call(client, "POST", "/v1/hooks", {"event": event, "target_url": url}, key)
    assert status == 201, body
    assert isinstance(body, dict)
    return body


def failed_delivery(services: Services, hook_id: str, n: int, status: DeliveryStatus = DeliveryStatus.FAILED) -> str:
    event_id, cursor = event_id_for(1_800_000_000_000 + n, f"d{n}")
    record = DeliveryRecord(hook_id, "loc_a", f"wh_{n}", cursor, event_id, "stamp_added", DeliveryStatus.PENDING, 0, 0.0)
    claimed = services.deliveries.claim(record, 60, first=True)
    assert claimed is not None
    next_at = services.clock.now() + 3600 if status is DeliveryStatus.PENDING else None
    services.deliveries.finish_many([(claimed, Attempt(services.clock.now(), 500, None), status, next_at)])
    return event_id


def queued(services: Services) -> list[Job]:
    messages = services.aws.client("sqs").receive_message(QueueUrl=services.settings.delivery_queue_url, MaxNumberOfMessages=10)
    return [Job.loads(m["Body"]) for m in messages.get("Messages", [])]


def test_subscribe_answers_201_with_the_secret_once_and_where_the_hook_lives(client: Client, services: Services) -> None:
    status, body, headers = call(client, "POST", "/v1/hooks", {"event": "stamp_added", "target_url": TARGET})
    assert status == 201 and isinstance(body, dict)
    assert body["secret"].startswith("whsec_") and body["target_url"] == TARGET
    assert headers["Location"] == f"{services.settings.public_url}/v1/hooks/{body['id']}"
    status, listed, _ = call(client, "GET", "/v1/hooks")
    assert status == 200 and [h["id"] for h in listed] == [body["id"]]  # type: ignore[union-attr]
    assert body["secret"] not in json.dumps(listed) and "secret" not in listed[0]  # type: ignore[index]


def test_a_second_subscribe_of_the_same_event_and_url_is_409(client: Client) -> None:
    first = subscribe(client)
    status, body, _ = call(client, "POST", "/v1/hooks", {"event": "stamp_added", "target_url": TARGET})
    assert status == 409 and first["id"] in body["error"]["message"]  # type: ignore[index]


@pytest.mark.parametrize(
    "body",
    [{}, {"event": "stamp_added"}, {"event": "nope", "target_url": TARGET}, {"event": "stamp_added", "target_url": "http://127.0.0.1:22/"}],
)
def test_a_bad_subscribe_is_422(client: Client, body: dict) -> None:
    assert call(client, "POST", "/v1/hooks", body)[0] == 422


def test_another_tenants_hook_is_404_everywhere(client: Client) -> None:
    theirs = subscribe(client, key=OTHER_KEY)["id"]
    for method, path in [
        ("GET", f"/v1/hooks/{theirs}"),
        ("DELETE", f"/v1/hooks/{theirs}"),
        ("POST", f"/v1/hooks/{theirs}/enable"),
        ("POST", f"/v1/hooks/{theirs}/disable"),
        ("GET", f"/v1/hooks/{theirs}/deliveries"),
        ("POST", f"/v1/hooks/{theirs}/retry"),
        ("POST", f"/v1/hooks/{theirs}/test"),
    ]:
        assert call(client, method, path, {} if method == "POST" else None)[0] == 404, (method, path)
    assert call(client, "GET", f"/v1/hooks/{theirs}", key=OTHER_KEY)[0] == 200


def test_unsubscribe_is_204_then_404(client: Client) -> None:
    hook = subscribe(client)["id"]
    assert call(client, "DELETE", f"/v1/hooks/{hook}")[0] == 204
    assert call(client, "DELETE", f"/v1/hooks/{hook}")[0] == 404
    assert call(client, "GET", "/v1/hooks")[1] == []


def test_disable_and_enable_show_in_the_hooks_health(client: Client) -> None:
    hook = subscribe(client)["id"]
    status, body, _ = call(client, "POST", f"/v1/hooks/{hook}/disable", {})
    assert status == 200 and body["status"] == "disabled" and body["disabled_reason"]  # type: ignore[index]
    status, body, _ = call(client, "POST", f"/v1/hooks/{hook}/enable", {})
    assert status == 200 and body["status"] == "active"  # type: ignore[index]


def test_replay_dry_run_counts_and_replay_queues_the_failed(client: Client, services: Services) -> None:
    hook = subscribe(client)["id"]
    failed = [failed_delivery(services, hook, n) for n in (1, 2)]
    failed_delivery(services, hook, 3, DeliveryStatus.PENDING)
    status, body, _ = call(client, "POST", f"/v1/hooks/{hook}/replay", {"dry_run": True})
    assert status == 200 and body == {"would_replay": 2, "waiting": 1}
    assert queued(services) == []
    status, body, _ = call(client, "POST", f"/v1/hooks/{hook}/replay", {})
    assert status == 200 and body == {"replayed": 2, "waiting": 1}
    assert sorted(j.event_id for j in queued(services)) == sorted(failed)


def test_a_disabled_hook_is_not_replayed_or_retried(client: Client, services: Services) -> None:
    hook = subscribe(client)["id"]
    failed_delivery(services, hook, 1)
    call(client, "POST", f"/v1/hooks/{hook}/disable", {})
    assert call(client, "POST", f"/v1/hooks/{hook}/replay", {})[0] == 409
    assert call(client, "POST", f"/v1/hooks/{hook}/retry", {})[0] == 409
    assert call(client, "POST", f"/v1/hooks/{hook}/replay", {"dry_run": True})[0] == 200  # counting changes nothing
    assert queued(services) == []


def test_retry_now_sends_the_waiting_at_once(client: Client, services: Services) -> None:
    hook = subscribe(client)["id"]
    waiting = failed_delivery(services, hook, 1, DeliveryStatus.PENDING)
    failed_delivery(services, hook, 2)
    status, body, _ = call(client, "POST", f"/v1/hooks/{hook}/retry", {})
    assert status == 200 and body == {"retried": 1, "failed": 1}
    assert [(j.event_id, j.location_id) for j in queued(services)] == [(waiting, "loc_a")]


def test_a_hooks_deliveries_newest_first(client: Client, services: Services) -> None:
    hook = subscribe(client)["id"]
    ids = [failed_delivery(services, hook, n) for n in (1, 2, 3)]
    status, body, _ = call(client, "GET", f"/v1/hooks/{hook}/deliveries")
    assert status == 200 and [d["event_id"] for d in body] == ids[::-1]  # type: ignore[union-attr]
