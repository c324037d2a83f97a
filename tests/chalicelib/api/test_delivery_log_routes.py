"""The delivery log's routes (api/delivery_log_routes.py): a tenant's pages, one delivery, resending it, hostile page tokens.

Chalice's in-process test client over the connector's app; store and queue real (moto).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
from chalice.test import Client
from unit_support import route_client

from chalicelib.container import Services
from chalicelib.pipeline.jobs import Job
from chalicelib.store.events import event_id_for
from chalicelib.store.keys import key_hash
from chalicelib.store.records import Attempt, DeliveryRecord, DeliveryStatus, Subscription, Tenant

KEY = "7loc_sc_deliverylog_unit_key_01"
TENANT = Tenant("loc_a", "Café A", "biz_1", "Biz", "staff@example.com")
HOOK = "hook_" + "a" * 24
THEIRS = "hook_" + "b" * 24


@pytest.fixture
def client(services: Services, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    services.key_cache.put(key_hash(KEY), TENANT)
    for sub_id, location_id in ((HOOK, "loc_a"), (THEIRS, "loc_b")):
        services.subscriptions.create(
            Subscription(sub_id, location_id, "stamp_added", f"https://hooks.example/{sub_id}", {}, "whsec_x", "t")
        )
    with route_client(services, monkeypatch) as c:  # type: ignore[attr-defined]
        yield c


def deliver(services: Services, n: int, status: DeliveryStatus, sub: str = HOOK, location_id: str = "loc_a", finish: bool = True) -> str:
    event_id, cursor = event_id_for(1_800_000_000_000 + n, f"d{n}")
    record = DeliveryRecord(sub, location_id, f"wh_{n}", cursor, event_id, "stamp_added", DeliveryStatus.PENDING, 0, 0.0)
    claimed = services.deliveries.claim(record, 60, first=True)
    assert claimed is not None
    if finish:
        next_at = services.clock.now() + 3600 if status is DeliveryStatus.PENDING else None
        services.deliveries.finish_many([(claimed, Attempt(services.clock.now(), 500, None), status, next_at)])
    return event_id


def get(client: Client, path: str) -> tuple[int, dict]:
    answer = client.http.get(path, headers={"X-API-Key": KEY})
    return answer.status_code, json.loads(answer.body)


def post(client: Client, path: str) -> tuple[int, dict]:
    answer = client.http.post(path, headers={"X-API-Key": KEY, "Content-Type": "application/json"}, body=b"{}")
    return answer.status_code, json.loads(answer.body)


def test_pages_of_the_tenants_deliveries_follow_each_other(client: Client, services: Services) -> None:
    ids = [deliver(services, n, DeliveryStatus.FAILED) for n in range(5)]
    deliver(services, 9, DeliveryStatus.FAILED, sub=THEIRS, location_id="loc_b")
    seen: list[str] = []
    path = "/v1/deliveries?limit=2"
    for _ in range(5):
        status, body = get(client, path)
        assert status == 200
        seen.extend(d["event_id"] for d in body["deliveries"])
        if body["next"] is None:
            break
        path = f"/v1/deliveries?limit=2&page={body['next']}"
    assert seen == ids[::-1]


@pytest.mark.parametrize(
    "page",
    [
        "x",
        base64.urlsafe_b64encode(b"[1, 2]").decode(),
        base64.urlsafe_b64encode(json.dumps(["000000000000001#x", "not-a-hook"]).encode()).decode(),
        base64.urlsafe_b64encode(json.dumps(["../../etc", "hook_" + "a" * 24]).encode()).decode(),
        base64.urlsafe_b64encode(b"{}").decode(),
    ],
)
def test_a_page_token_not_handed_out_is_422(client: Client, page: str) -> None:
    status, body = get(client, f"/v1/deliveries?page={page}")
    assert status == 422 and "page" in body["error"]["fields"]


def test_filters_of_the_list(client: Client, services: Services) -> None:
    failed = deliver(services, 1, DeliveryStatus.FAILED)
    deliver(services, 2, DeliveryStatus.DELIVERED)
    assert [d["event_id"] for d in get(client, "/v1/deliveries?status=failed")[1]["deliveries"]] == [failed]
    assert get(client, "/v1/deliveries?status=lost")[0] == 422
    assert get(client, "/v1/deliveries?event=Bad%20Name")[0] == 422


def test_one_delivery_of_the_callers_own_hook(client: Client, services: Services) -> None:
    event_id = deliver(services, 1, DeliveryStatus.FAILED)
    status, body = get(client, f"/v1/hooks/{HOOK}/deliveries/{event_id}")
    assert status == 200 and (body["event_id"], body["status"], body["last_status_code"]) == (event_id, "failed", 500)


def test_another_tenants_delivery_or_an_unknown_id_is_404(client: Client, services: Services) -> None:
    theirs = deliver(services, 1, DeliveryStatus.FAILED, sub=THEIRS, location_id="loc_b")
    assert get(client, f"/v1/hooks/{THEIRS}/deliveries/{theirs}")[0] == 404
    assert get(client, f"/v1/hooks/{HOOK}/deliveries/{theirs}")[0] == 404
    assert get(client, f"/v1/hooks/{HOOK}/deliveries/not_an_event_id")[0] == 404


def test_resend_queues_the_delivery_once_it_is_not_being_sent(client: Client, services: Services) -> None:
    leased = deliver(services, 1, DeliveryStatus.PENDING, finish=False)  # its first attempt is running: no location_id stored yet
    assert get(client, f"/v1/hooks/{HOOK}/deliveries/{leased}")[0] == 200
    status, body = post(client, f"/v1/hooks/{HOOK}/deliveries/{leased}/resend")
    assert status == 409 and body["error"]["code"] == "delivery_in_progress"
    done = deliver(services, 2, DeliveryStatus.DELIVERED)
    status, body = post(client, f"/v1/hooks/{HOOK}/deliveries/{done}/resend")
    assert status == 200 and body["status"] == "pending"
    messages = services.aws.client("sqs").receive_message(QueueUrl=services.settings.delivery_queue_url, MaxNumberOfMessages=10)["Messages"]
    assert [(Job.loads(m["Body"]).event_id, Job.loads(m["Body"]).subscriptions) for m in messages] == [(done, [HOOK])]


def test_resend_to_a_disabled_hook_is_refused(client: Client, services: Services) -> None:
    event_id = deliver(services, 1, DeliveryStatus.FAILED)
    services.subscriptions.disable("loc_a", HOOK, "test")
    status, body = post(client, f"/v1/hooks/{HOOK}/deliveries/{event_id}/resend")
    assert status == 409 and body["error"]["code"] == "subscription_disabled"


def test_the_hourly_chart_is_the_tenants(client: Client, services: Services) -> None:
    status, body = get(client, "/v1/deliveries/hourly")
    assert status == 200 and len(body) == 24
