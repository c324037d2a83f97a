"""The operator routes behind the console: health, enable and disable, test events, the delivery log, resend, replay's count.

Against the real stack (moto, the sandbox, subscribers on 127.0.0.1); the store's clock
is moved where days must pass.
"""

from __future__ import annotations

import pytest
from event_support import receiving, subscribe, subscribe_and_stamp

from sandbox import DEMO_KEY_A, DEMO_KEY_B, DEMO_LOCATION_A


def stamp(stack, client, times: int = 1) -> None:
    for _ in range(times):
        client.post("/v1/actions/add-stamp", json={"card_id": "card_demo_a"})
    stack.settle()


def test_each_attempt_keeps_its_latency_and_the_first_kilobyte_of_the_answer(stack):
    answer = "x" * 3000
    with receiving(statuses=[500], body=answer) as receiver, stack.client(DEMO_KEY_A) as c:
        hook = subscribe_and_stamp(stack, c, receiver.url)
        [row] = c.get(f"/v1/hooks/{hook['id']}/deliveries").json()
    [attempt] = row["history"]
    assert attempt["status_code"] == 500 and attempt["ok"] is False
    assert attempt["answer"] == "x" * 1024
    assert attempt["latency_ms"] >= 0 and row["last_latency_ms"] == attempt["latency_ms"]


def test_a_hook_shows_its_health_failing_then_disabled_with_why_then_enabled_again(stack, clock):
    with receiving(default=500) as receiver, stack.client(DEMO_KEY_A) as c:
        hook = subscribe(c, "stamp_added", receiver.url)
        fresh = c.get(f"/v1/hooks/{hook['id']}").json()
        assert fresh["status"] == "active" and fresh["last_delivery_at"] is None and "secret" not in fresh
        stamp(stack, c)
        failing = c.get(f"/v1/hooks/{hook['id']}").json()
        assert failing["status"] == "failing" and failing["failing_since"]
        assert failing["counts_24h"]["pending"] == 1 and failing["last_delivery_status"] == "pending"
        clock.advance(5 * 86400 + 60)
        stack.worker.sweep()
        stack.settle()
        [listed] = c.get("/v1/hooks").json()
        assert listed["status"] == "disabled" and listed["disabled"] is True
        assert listed["disabled_reason"] == "every delivery failed for 5 days" and listed["disabled_at"]
        assert listed["last_delivery_status"] == "failed"
        assert listed["counts_24h"]["failed"] == 0  # the event came in five days ago: outside the 24 hours

        receiver.clear()
        stamp(stack, c)
        assert receiver.received == []  # disabled: nothing is sent
        enabled = c.post(f"/v1/hooks/{hook['id']}/enable").json()
        assert enabled["status"] == "active" and enabled["disabled_reason"] is None and enabled["failing_since"] is None
        receiver.script.default = 200
        stamp(stack, c)
        assert len(receiver.wait_for(1)) == 1
        assert c.get(f"/v1/hooks/{hook['id']}").json()["counts_24h"]["delivered"] == 1


def test_disable_stops_deliveries_and_says_so(stack, receiver):
    with stack.client(DEMO_KEY_A) as c:
        hook = subscribe(c, "stamp_added", receiver.url)
        shown = c.post(f"/v1/hooks/{hook['id']}/disable").json()
        assert shown["status"] == "disabled" and shown["disabled_reason"] == "disabled in the console"
        stamp(stack, c)
        assert receiver.received == []


def test_a_test_event_is_the_sample_marked_as_a_test_signed_like_any_delivery(stack):
    with receiving(body='{"accepted": true}') as receiver, stack.client(DEMO_KEY_A) as c:
        hook = subscribe(c, "voucher_redeemed", receiver.url)
        result = c.post(f"/v1/hooks/{hook['id']}/test").json()
        [got] = receiver.wait_for(1)
        record = got.verify(hook["secret"])
        assert record["test"] is True and record["event"] == "voucher_redeemed" and record["id"] == result["event_id"]
        assert got.headers["webhook-id"] == result["event_id"]
        assert result["ok"] is True and result["status_code"] == 200 and result["answer"] == '{"accepted": true}'
        [logged] = c.get(f"/v1/hooks/{hook['id']}/deliveries").json()  # kept in the log, marked as a test (issue 17)
        assert (logged["event_id"], logged["test"], logged["status"]) == (result["event_id"], True, "delivered")


def test_a_test_event_to_a_dead_target_answers_what_went_wrong(stack):
    with stack.client(DEMO_KEY_A) as c:
        with receiving() as receiver:
            hook = subscribe(c, "stamp_added", receiver.url)
        result = c.post(f"/v1/hooks/{hook['id']}/test")  # the receiver has stopped
    assert result.status_code == 200
    assert result.json()["ok"] is False and result.json()["status_code"] is None and result.json()["error"].startswith("connection refused")


def test_the_delivery_log_spans_subscriptions_filters_and_pages(stack):
    with receiving() as good, receiving(default=500) as bad, stack.client(DEMO_KEY_A) as c:
        ok_hook = subscribe(c, "stamp_added", good.url)
        bad_hook = subscribe(c, "any", bad.url)
        stamp(stack, c, 3)
        everything = c.get("/v1/deliveries").json()
        assert everything["next"] is None
        assert {d["hook_id"] for d in everything["deliveries"]} == {ok_hook["id"], bad_hook["id"]}
        events_seen = len(c.get("/v1/triggers/any").json())
        assert len(everything["deliveries"]) == 3 + events_seen
        received = [d["received_at"] for d in everything["deliveries"]]
        assert received == sorted(received, reverse=True)

        delivered = c.get("/v1/deliveries", params={"status": "delivered"}).json()["deliveries"]
        assert len(delivered) == 3 and {d["hook_id"] for d in delivered} == {ok_hook["id"]}
        waiting = c.get("/v1/deliveries", params={"status": "pending"}).json()["deliveries"]
        assert {d["hook_id"] for d in waiting} == {bad_hook["id"]}
        assert all(d["next_attempt_at"] for d in waiting)
        assert len(c.get("/v1/deliveries", params={"event": "stamp_added"}).json()["deliveries"]) == 6

        seen, page, pages = [], None, 0
        while pages < 20:
            answer = c.get("/v1/deliveries", params={"limit": 2, **({"page": page} if page else {})}).json()
            seen.extend((d["hook_id"], d["event_id"]) for d in answer["deliveries"])
            page, pages = answer["next"], pages + 1
            if not page:
                break
        assert seen == [(d["hook_id"], d["event_id"]) for d in everything["deliveries"]]

        newest = everything["deliveries"][0]["event_id"]
        assert c.get("/v1/deliveries", params={"since": newest}).json()["deliveries"] == []


def test_resend_sends_one_delivery_again_whatever_happened_to_it(stack, receiver):
    with stack.client(DEMO_KEY_A) as c:
        hook = subscribe_and_stamp(stack, c, receiver.url)
        [row] = c.get(f"/v1/hooks/{hook['id']}/deliveries").json()
        assert row["status"] == "delivered"
        detail = c.get(f"/v1/hooks/{hook['id']}/deliveries/{row['event_id']}").json()
        assert detail["history"] == row["history"]
        resent = c.post(f"/v1/hooks/{hook['id']}/deliveries/{row['event_id']}/resend")
        assert resent.status_code == 200 and resent.json()["status"] == "pending"
        stack.settle()
        got = receiver.wait_for(2)
        assert len(got) == 2 and {g.headers["webhook-id"] for g in got} == {row["event_id"]}
        assert c.get(f"/v1/hooks/{hook['id']}/deliveries/{row['event_id']}").json()["attempts"] == 2


def test_replay_says_how_many_it_will_send_before_it_sends(stack, clock):
    with receiving(default=500) as receiver, stack.client(DEMO_KEY_A) as c:
        hook = subscribe(c, "stamp_added", receiver.url)
        stamp(stack, c, 2)
        clock.advance(5 * 86400 + 60)
        stack.worker.sweep()
        stack.settle()
        first, second = sorted(d["event_id"] for d in c.get(f"/v1/hooks/{hook['id']}/deliveries").json())
        assert c.post(f"/v1/hooks/{hook['id']}/replay", json={"dry_run": True}).json() == {"would_replay": 2, "waiting": 0}
        assert c.post(f"/v1/hooks/{hook['id']}/replay", json={"dry_run": True, "since": first}).json() == {"would_replay": 1, "waiting": 0}
        assert c.post(f"/v1/hooks/{hook['id']}/replay", json={"dry_run": True, "since": "2020-01-01T00:00:00Z"}).json() == {
            "would_replay": 2,
            "waiting": 0,
        }
        before = len(receiver.received)
        stack.settle()
        assert len(receiver.received) == before  # a dry run sends nothing
        refused = c.post(f"/v1/hooks/{hook['id']}/replay", json={})
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "subscription_disabled"
        assert c.post(f"/v1/hooks/{hook['id']}/deliveries/{first}/resend").status_code == 409
        c.post(f"/v1/hooks/{hook['id']}/enable")
        receiver.script.default = 200
        assert c.post(f"/v1/hooks/{hook['id']}/replay", json={"since": first}).json() == {"replayed": 1, "waiting": 0}
        stack.settle()
        assert [r.headers["webhook-id"] for r in receiver.received[before:]] == [second]


def test_retry_now_sends_the_waiting_deliveries_at_once_and_never_twice(stack):
    from chalicelib.pipeline import jobs

    with receiving(statuses=[500, 500]) as receiver, stack.client(DEMO_KEY_A) as c:
        hook = subscribe(c, "stamp_added", receiver.url)
        stamp(stack, c, 2)  # both first attempts fail: each waits for its retry, not failed yet
        waiting = c.get(f"/v1/hooks/{hook['id']}/deliveries").json()
        assert [d["status"] for d in waiting] == ["pending", "pending"]
        assert c.post(f"/v1/hooks/{hook['id']}/replay", json={"dry_run": True}).json() == {"would_replay": 0, "waiting": 2}
        assert c.post(f"/v1/hooks/{hook['id']}/replay", json={}).json() == {"replayed": 0, "waiting": 2}

        assert c.post(f"/v1/hooks/{hook['id']}/retry").json() == {"retried": 2, "failed": 0}
        stack.settle()
        rows = c.get(f"/v1/hooks/{hook['id']}/deliveries").json()
        assert [(d["status"], d["attempts"]) for d in rows] == [("delivered", 2), ("delivered", 2)]
        # the schedule's own jobs for the same retries come later; they claim as retry-now did and find them delivered
        stack.services.queue.send(
            [
                j
                for d in stack.services.deliveries.recent(hook["id"], 10)
                for j in jobs.jobs_for(DEMO_LOCATION_A, d.event_dedup_key, d.event_cursor, [hook["id"]], event_id=d.event_id, event=d.event)
            ]
        )
        stack.settle()
        assert sorted(r.headers["webhook-id"] for r in receiver.received) == sorted(2 * [d["event_id"] for d in rows])
        assert c.post(f"/v1/hooks/{hook['id']}/retry").json() == {"retried": 0, "failed": 0}


def test_hourly_counts_cover_24_hours_by_outcome(stack, receiver):
    with stack.client(DEMO_KEY_A) as c:
        subscribe(c, "stamp_added", receiver.url)
        stamp(stack, c, 2)
        hours = c.get("/v1/deliveries/hourly").json()
    assert len(hours) == 24
    assert hours[-1]["delivered"] == 2 and sum(h["delivered"] for h in hours) == 2
    assert [h["hour"] for h in hours] == sorted(h["hour"] for h in hours)


def test_recent_events_can_be_searched_by_customer_email_or_id(stack, receiver):
    with stack.client(DEMO_KEY_A) as c:
        stamp(stack, c)
        [event] = c.get("/v1/events").json()
        assert event["customer"]["email"] == "ada@demo.example"
        assert c.get("/v1/events", params={"q": "ADA@demo.example"}).json() == [event]
        assert c.get("/v1/events", params={"q": event["customer"]["id"]}).json() == [event]
        assert c.get("/v1/events", params={"q": event["id"]}).json() == [event]
        assert c.get("/v1/events", params={"q": "nobody@demo.example"}).json() == []
    with stack.client(DEMO_KEY_B) as b:
        assert b.get("/v1/events", params={"q": "ada@demo.example"}).json() == []


def test_another_locations_ids_are_404_on_every_operator_route(stack, receiver):
    with stack.client(DEMO_KEY_A) as a, stack.client(DEMO_KEY_B) as b:
        hook = subscribe_and_stamp(stack, a, receiver.url)
        [row] = a.get(f"/v1/hooks/{hook['id']}/deliveries").json()
        hid, eid = hook["id"], row["event_id"]
        for method, path in [
            ("GET", f"/v1/hooks/{hid}"),
            ("POST", f"/v1/hooks/{hid}/enable"),
            ("POST", f"/v1/hooks/{hid}/disable"),
            ("POST", f"/v1/hooks/{hid}/test"),
            ("GET", f"/v1/hooks/{hid}/deliveries/{eid}"),
            ("POST", f"/v1/hooks/{hid}/deliveries/{eid}/resend"),
            ("POST", f"/v1/hooks/{hid}/retry"),
            ("POST", f"/v1/hooks/{hid}/replay"),
        ]:
            assert b.request(method, path).status_code == 404, path
        assert b.get("/v1/deliveries").json() == {"deliveries": [], "next": None}
        assert sum(sum(v for k, v in h.items() if k != "hour") for h in b.get("/v1/deliveries/hourly").json()) == 0
        assert b.get("/v1/events").json() == []
        # B's own subscription cannot reach A's delivery by its event id either
        b_hook = subscribe(b, "stamp_added", receiver.url)
        assert b.get(f"/v1/hooks/{b_hook['id']}/deliveries/{eid}").status_code == 404
        assert b.post(f"/v1/hooks/{b_hook['id']}/deliveries/{eid}/resend").status_code == 404
        # a page token naming A's subscription still lists only B's deliveries
        a_page = a.get("/v1/deliveries", params={"limit": 1}).json()
        forged = a_page["next"] or "WyIwMDAwMDAwMDAwMDAwMDAjYSIsICJob29rXzAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMCJd"
        assert b.get("/v1/deliveries", params={"page": forged}).json()["deliveries"] == []
        assert a.get(f"/v1/hooks/{hid}").status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "params", "body", "field"),
    [
        ("GET", "/v1/deliveries", {"status": "exploded"}, None, "status"),
        ("GET", "/v1/deliveries", {"event": "'; DROP TABLE--"}, None, "event"),
        ("GET", "/v1/deliveries", {"since": "yesterday"}, None, "since"),
        ("GET", "/v1/deliveries", {"limit": "0"}, None, "limit"),
        ("GET", "/v1/deliveries", {"limit": "-5"}, None, "limit"),
        ("GET", "/v1/deliveries", {"page": "not-a-page"}, None, "page"),
        ("GET", "/v1/deliveries", {"page": "W1s1XSwgbnVsbF0"}, None, "page"),
        ("GET", "/v1/events", {"q": "x" * 300}, None, "q"),
        ("POST", "/v1/hooks/{id}/replay", {}, {"since": ["a"]}, "since"),
        ("POST", "/v1/hooks/{id}/replay", {}, {"since": "\u0000" * 50}, "since"),
        ("POST", "/v1/hooks/{id}/replay", {}, {"dry_run": "yes"}, "dry_run"),
    ],
)
def test_hostile_input_to_operator_routes_is_422_naming_the_field(stack, receiver, method, path, params, body, field):
    with stack.client(DEMO_KEY_A) as c:
        hook = subscribe(c, "stamp_added", receiver.url)
        answer = c.request(method, path.replace("{id}", hook["id"]), params=params, json=body)
    assert answer.status_code == 422, answer.text
    assert field in answer.json()["error"]["fields"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/hooks/hook_000000000000000000000000"),
        ("POST", "/v1/hooks/hook_000000000000000000000000/test"),
        ("GET", "/v1/hooks/{id}/deliveries/evt_1_abc"),
        ("GET", "/v1/hooks/{id}/deliveries/not-an-event"),
        ("POST", "/v1/hooks/{id}/deliveries/evt_99999999999999999999_zz/resend"),
    ],
)
def test_unknown_ids_are_404(stack, receiver, method, path):
    with stack.client(DEMO_KEY_A) as c:
        hook = subscribe(c, "stamp_added", receiver.url)
        answer = c.request(method, path.replace("{id}", hook["id"]))
    assert answer.status_code == 404, answer.text
    assert answer.json()["error"]["code"] == "not_found"


def test_operator_routes_need_the_key_but_the_console_does_not(stack):
    with stack.client() as anonymous:
        for path in ("/v1/deliveries", "/v1/deliveries/hourly", "/v1/events", "/v1/hooks/hook_000000000000000000000000"):
            assert anonymous.get(path).status_code == 401, path
        page = anonymous.get("/console")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        csp = page.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert anonymous.get("/console/console.js").headers["content-type"].startswith("text/javascript")
        assert anonymous.get("/console/../app.py").status_code in (403, 404)
        assert anonymous.get("/console/app.py").status_code == 404
    assert "<script>" not in page.text and "https://" not in page.text  # no inline script, nothing from elsewhere
