"""A test event from the console is kept in the subscription's delivery log, marked as a test, and never replayed."""

from __future__ import annotations

from event_support import receiving, subscribe

from sandbox import DEMO_KEY_A


def test_a_test_delivery_appears_in_the_log_marked_with_its_status_latency_and_answer(stack):
    with receiving(statuses=[200, 500], body="thanks") as receiver, stack.client(DEMO_KEY_A) as c:
        hook = subscribe(c, "stamp_added", receiver.url)
        ok = c.post(f"/v1/hooks/{hook['id']}/test").json()
        failed = c.post(f"/v1/hooks/{hook['id']}/test").json()
        rows = c.get(f"/v1/hooks/{hook['id']}/deliveries").json()
        assert [(r["event_id"], r["test"], r["status"]) for r in rows] == [
            (failed["event_id"], True, "failed"),
            (ok["event_id"], True, "delivered"),
        ]
        [attempt] = rows[1]["history"]
        assert attempt["status_code"] == 200 and attempt["answer"] == "thanks" and attempt["latency_ms"] is not None
        console = c.get("/v1/deliveries").json()
        assert {r["event_id"] for r in console["deliveries"] if r["test"]} >= {ok["event_id"], failed["event_id"]}
        assert c.post(f"/v1/hooks/{hook['id']}/replay", json={"dry_run": True}).json()["would_replay"] == 0
