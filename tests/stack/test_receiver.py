"""The loopback receiver the stack, the tests and the benchmarks share: what it keeps, how it answers, that it stops."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest
from standardwebhooks.webhooks import WebhookVerificationError

from chalicelib.security import signing
from stack.receiver import HookReceiver, ReceivedDelivery, Script


def test_scripted_statuses_come_in_turn_then_the_default_with_the_headers_and_body() -> None:
    receiver = HookReceiver(Script(statuses=[500, 503], default=410, headers={"Retry-After": "7"}, body="busy")).start()
    try:
        with httpx.Client(base_url=receiver.url) as http:
            answers = [http.post(f"/hook/{i}", content=b'{"n": %d}' % i, headers={"X-Thing": "A"}) for i in range(3)]
        assert [a.status_code for a in answers] == [500, 503, 410]
        assert [(a.headers["retry-after"], a.text) for a in answers] == [("7", "busy")] * 3
        assert [(d.path, d.headers["x-thing"], d.json()) for d in receiver.received] == [(f"/hook/{i}", "A", {"n": i}) for i in range(3)]
    finally:
        receiver.stop()


def test_a_delivery_verifies_only_with_its_subscriptions_secret() -> None:
    secret, other = signing.new_secret(), signing.new_secret()
    body = json.dumps({"id": "evt_1", "event": "stamp_added"})
    receiver = HookReceiver().start()
    try:
        httpx.post(receiver.url, content=body, headers=signing.headers(secret, "evt_1", int(time.time()), body)).raise_for_status()
        [delivery] = receiver.wait_for(1)
        assert delivery.verify(secret) == {"id": "evt_1", "event": "stamp_added"}
        with pytest.raises(WebhookVerificationError):
            delivery.verify(other)
    finally:
        receiver.stop()


def test_an_answer_callback_chooses_the_status_and_sees_each_delivery() -> None:
    seen: list[str] = []

    def answer(delivery: ReceivedDelivery) -> int:
        seen.append(delivery.path)
        return 500 if delivery.path.endswith("fail") else 202

    receiver = HookReceiver(answer=answer).start()
    try:
        assert [httpx.post(f"{receiver.url}/{p}", content=b"{}").status_code for p in ("ok", "fail")] == [202, 500]
        assert seen == ["/ok", "/fail"]
    finally:
        receiver.stop()


def test_stop_cuts_a_scripted_hang_short() -> None:
    receiver = HookReceiver(Script(hang=30, hangs=1)).start()
    caller = threading.Thread(target=lambda: httpx.post(f"{receiver.url}/slow", content=b"{}", timeout=60), daemon=True)
    caller.start()
    receiver.wait_for(1, 5)
    receiver.stop()
    caller.join(10)
    assert not caller.is_alive()  # the 30 s hang ended with stop
    assert [d.path for d in receiver.received] == ["/slow"]


def test_after_stop_nothing_more_arrives_even_on_a_kept_alive_connection() -> None:
    receiver = HookReceiver().start()
    with httpx.Client(base_url=receiver.url, timeout=5) as http:
        assert http.post("/first", content=b"{}").status_code == 200  # the connection stays in the client's pool
        receiver.stop()
        with pytest.raises(httpx.TransportError):
            http.post("/after", content=b"{}")
    assert [d.path for d in receiver.received] == ["/first"]


def test_a_204_carries_no_body_so_the_next_answer_on_the_kept_alive_connection_is_read_whole() -> None:
    receiver = HookReceiver(Script(statuses=[204])).start()
    try:
        with httpx.Client(base_url=receiver.url, timeout=5) as http:
            answers = [http.post(f"/{i}", content=b"{}") for i in range(2)]
        assert [(a.status_code, a.text) for a in answers] == [(204, ""), (200, "ok")]
    finally:
        receiver.stop()
