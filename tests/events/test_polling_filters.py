"""Polling applies a trigger's filters the way fan-out does; a blank filter is no filter; a hook's 201 says where to delete it."""

from __future__ import annotations

from event_support import subscribe

from chalicelib.store.events import HORIZON_SECONDS
from sandbox import DEMO_KEY_A


def _two_programs(stack, c) -> None:
    """One stamp on Ada's coffee card, one on a new lunch card."""
    c.post("/v1/actions/add-stamp", json={"card_id": "card_demo_a"}).raise_for_status()
    c.post(
        "/v1/actions/add-stamp", json={"email": "lunch@example.com", "template_id": "ct_a_lunch", "issue_card_if_missing": True}
    ).raise_for_status()
    stack.settle()


def test_polling_takes_the_triggers_filters_as_query_parameters(stack, clock):
    with stack.client(DEMO_KEY_A) as c:
        _two_programs(stack, c)
        clock.advance(HORIZON_SECONDS)  # a start cursor never passes polling's horizon
        every = c.get("/v1/triggers/stamp_added").json()
        # both programs are there (a set: in one CI run a late webhook of an earlier test in the same process added a
        # third, coffee stamp; what this test checks is that each filter picks exactly its program's events)
        assert {e["card"]["template_id"] for e in every} == {"ct_a_coffee", "ct_a_lunch"}
        lunch = c.get("/v1/triggers/stamp_added", params={"card_template_id": "ct_a_lunch"})
        assert [e["card"]["template_id"] for e in lunch.json()] == [
            e["card"]["template_id"] for e in every if e["card"]["template_id"] == "ct_a_lunch"
        ]
        both = c.get("/v1/triggers/stamp_added", params={"card_template_id": "ct_a_lunch,ct_a_coffee"}).json()
        assert [e["id"] for e in both] == [e["id"] for e in every]
        assert c.get("/v1/triggers/stamp_added", params={"card_template_id": ""}).json() == every
        # The cursor moves past what the filter held back, so a watch module never asks for it again.
        assert lunch.headers["X-Next-Cursor"] == every[0]["id"]
        only_stamps = c.get("/v1/triggers/any", params={"event": "stamp_added"}).json()
        assert only_stamps and {e["event"] for e in only_stamps} == {"stamp_added"}


def test_polling_and_fan_out_agree(stack, receiver):
    with stack.client(DEMO_KEY_A) as c:
        subscribe(c, "stamp_added", receiver.url, card_template_id="ct_a_lunch")
        _two_programs(stack, c)
        delivered = [r.json()["id"] for r in receiver.wait_for(1, timeout=5)]
        polled = [e["id"] for e in c.get("/v1/triggers/stamp_added", params={"card_template_id": "ct_a_lunch"}).json()]
    assert delivered == polled and len(polled) == 1


def test_bad_polling_filters_are_422_naming_the_parameter(stack):
    with stack.client(DEMO_KEY_A) as c:
        unknown = c.get("/v1/triggers/stamp_added", params={"colour": "red"})
        assert unknown.status_code == 422 and "colour" in unknown.json()["error"]["fields"]
        wrong = c.get("/v1/triggers/any", params={"event": "kartu_diterbitkan"})
        assert wrong.status_code == 422 and "event" in wrong.json()["error"]["fields"]


def test_a_blank_filter_subscribes_to_every_event(stack, receiver):
    with stack.client(DEMO_KEY_A) as c:
        for i, blank in enumerate((None, "", [])):  # one subscription per target URL: a path each
            target = f"{receiver.url}/blank-{i}"
            answer = c.post("/v1/hooks", json={"event": "stamp_added", "target_url": target, "filters": {"card_template_id": blank}})
            assert answer.status_code == 201, answer.text
            assert answer.json()["filters"] == {}


def test_the_201_of_a_subscription_points_at_its_delete_route(stack, receiver):
    with stack.client(DEMO_KEY_A) as c:
        answer = c.post("/v1/hooks", json={"event": "stamp_added", "target_url": receiver.url})
        assert answer.status_code == 201
        location = answer.headers["Location"]
        assert location == f"{stack.connector}/v1/hooks/{answer.json()['id']}"
        assert c.delete(location).status_code == 204
        assert c.get("/v1/hooks").json() == []
