"""Each of the 13 events, from 7stamp (the sandbox) to a subscriber and to the polling trigger."""

from __future__ import annotations

import pytest
from event_support import subscribe

from chalicelib.contract import registry
from chalicelib.store.events import HORIZON_SECONDS
from sandbox import DEMO_KEY_A, DEMO_LOCATION_A


@pytest.mark.parametrize("event", registry.event_names())
def test_the_event_reaches_its_subscriber_once_signed_enriched_and_polls_with_the_same_id(stack, receiver, event):
    with stack.client(DEMO_KEY_A) as c:
        hook = subscribe(c, event, receiver.url)
        stack.emit(DEMO_LOCATION_A, event, customer_id="c_demo_a")
        stack.settle()
        got = receiver.wait_for(1, timeout=5)
        assert len(got) == 1, [r.json()["event"] for r in got]
        record = got[0].verify(hook["secret"])  # raises unless signed with this subscription's secret
        assert record["event"] == event
        assert record["location_id"] == DEMO_LOCATION_A
        assert record["enriched"] is True
        assert record["customer"]["email"] == "ada@demo.example"
        assert record["customer"]["name"] == "Ada Demo"
        card = record["card"]  # every event about Ada carries her card, enriched from 7stamp
        assert (card["id"], card["template_id"], card["stamps"], card["stamps_required"]) == ("card_demo_a", "ct_a_coffee", 3, 10)
        assert got[0].headers["webhook-id"] == record["id"]
        polled = c.get(f"/v1/triggers/{event}").json()
        assert polled[0] == record
        anything = c.get("/v1/triggers/any").json()
        assert record["id"] in [r["id"] for r in anything]


def test_polling_is_newest_first_with_limit_and_since(stack, clock):
    with stack.client(DEMO_KEY_A) as c:
        c.get("/v1/me")
        for _ in range(3):
            c.post("/v1/actions/add-stamp", json={"card_id": "card_demo_a"})
        stack.settle()
        events = c.get("/v1/triggers/stamp_added").json()
        assert len(events) == 3
        assert [e["card"]["stamps"] for e in events] == [6, 5, 4]
        assert len({e["id"] for e in events}) == 3
        assert [e["id"] for e in c.get("/v1/triggers/stamp_added", params={"limit": 2}).json()] == [e["id"] for e in events[:2]]
        assert c.get("/v1/triggers/stamp_added", params={"since": events[2]["id"]}).json() == []  # not past the horizon yet
        clock.advance(HORIZON_SECONDS)
        newer = c.get("/v1/triggers/stamp_added", params={"since": events[2]["id"]})
        assert [e["id"] for e in newer.json()] == [e["id"] for e in events[:2]]
        assert newer.headers["X-Next-Cursor"] == events[0]["id"]
        assert c.get("/v1/triggers/stamp_added", params={"since": events[0]["id"]}).json() == []


def test_samples_only_on_request_and_only_when_nothing_is_stored(stack):
    with stack.client(DEMO_KEY_A) as c:
        assert c.get("/v1/triggers/goal_reached").json() == []
        sample = c.get("/v1/triggers/goal_reached", params={"samples": "1"}).json()
        assert len(sample) == 1 and sample[0]["sample"] is True and sample[0]["event"] == "goal_reached"


@pytest.mark.parametrize(
    ("params", "status"), [({"limit": "0"}, 422), ({"limit": "101"}, 422), ({"limit": "x"}, 422), ({"since": "nonsense"}, 422)]
)
def test_bad_polling_parameters_are_422(stack, params, status):
    with stack.client(DEMO_KEY_A) as c:
        assert c.get("/v1/triggers/stamp_added", params=params).status_code == status


def test_an_unknown_trigger_is_404_with_a_suggestion(stack):
    with stack.client(DEMO_KEY_A) as c:
        answer = c.get("/v1/triggers/kartu_diterbitkan")
    assert answer.status_code == 404
    assert "card_issued" in answer.json()["error"]["message"]


def test_filters_choose_which_events_a_subscriber_gets(stack, receiver):
    with stack.client(DEMO_KEY_A) as c:
        hook = subscribe(c, "stamp_added", receiver.url, card_template_id="ct_a_lunch")
        c.post("/v1/actions/add-stamp", json={"card_id": "card_demo_a"})
        c.post("/v1/actions/add-stamp", json={"email": "lunch@example.com", "template_id": "ct_a_lunch", "issue_card_if_missing": True})
        stack.settle()
    got = receiver.wait_for(1, timeout=3)
    assert len(got) == 1
    assert got[0].verify(hook["secret"])["card"]["template_id"] == "ct_a_lunch"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"event": "kartu_diterbitkan"}, "event"),
        ({"event": "stamp_added", "filters": {"colour": "red"}}, "filters.colour"),
        ({"event": "voucher_redeemed", "filters": {"voucher_type": "gift"}}, "filters.voucher_type"),
        ({"event": "stamp_added", "target_url": ""}, "target_url"),
    ],
)
def test_subscribing_with_bad_input_is_422(stack, receiver, body, field):
    with stack.client(DEMO_KEY_A) as c:
        answer = c.post("/v1/hooks", json={"target_url": receiver.url, **body})
    assert answer.status_code == 422, answer.text
    assert field in answer.json()["error"]["fields"]


def test_a_translated_event_name_is_refused_with_the_canonical_suggestion(stack, receiver):
    with stack.client(DEMO_KEY_A) as c:
        answer = c.post("/v1/hooks", json={"event": "kartu_diterbitkan", "target_url": receiver.url})
    assert answer.json()["error"]["fields"]["suggestion"] == "card_issued"


def test_list_and_unsubscribe(stack, receiver):
    with stack.client(DEMO_KEY_A) as c:
        hook = subscribe(c, "any", receiver.url)
        listed = c.get("/v1/hooks").json()
        assert [h["id"] for h in listed] == [hook["id"]]
        assert "secret" not in listed[0]
        assert c.delete(f"/v1/hooks/{hook['id']}").status_code == 204
        assert c.delete(f"/v1/hooks/{hook['id']}").status_code == 404
        c.post("/v1/actions/add-stamp", json={"card_id": "card_demo_a"})
        stack.settle()
    assert receiver.received == []


def test_an_unknown_event_name_from_7stamp_goes_only_to_any_subscribers(stack, receiver):
    import json
    import time

    import httpx

    from chalicelib.security import signing
    from stack.receiver import HookReceiver

    other = HookReceiver().start()
    try:
        with stack.client(DEMO_KEY_A) as c:
            subscribe(c, "any", receiver.url)
            subscribe(c, "card_issued", other.url)
        connection = stack.services.locations.get(DEMO_LOCATION_A)
        body = json.dumps(
            {
                "event": "loyalty_tier_changed",
                "timestamp": "2026-11-22T10:00:00Z",
                "business_id": "b_demo",
                "location_id": DEMO_LOCATION_A,
                "customer": {"id": "c_demo_a"},
            }
        )
        headers = signing.headers(connection.secret, "msg_new_kind", int(time.time()), body)
        answer = httpx.post(f"{stack.connector}/inbound/7stamp/{connection.token}", content=body, headers=headers)
        assert answer.status_code == 200
        stack.settle()
        assert [r.json()["event"] for r in receiver.wait_for(1, 3)] == ["loyalty_tier_changed"]
        assert other.received == []
    finally:
        other.stop()
