"""Tenant isolation: a location's key reaches nothing of another location's, and events never cross."""

from __future__ import annotations

from event_support import subscribe
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.contract import registry
from sandbox import DEMO_KEY_A, DEMO_KEY_B, DEMO_LOCATION_A, DEMO_LOCATION_B
from stack.receiver import HookReceiver

KEYS = {DEMO_LOCATION_A: DEMO_KEY_A, DEMO_LOCATION_B: DEMO_KEY_B}


def test_b_can_neither_list_delete_replay_see_deliveries_nor_poll_anything_of_a(stack, receiver):
    with stack.client(DEMO_KEY_A) as a, stack.client(DEMO_KEY_B) as b:
        hook = subscribe(a, "any", receiver.url)
        a.post("/v1/actions/add-stamp", json={"card_id": "card_demo_a"})
        stack.settle()
        assert len(a.get("/v1/triggers/any").json()) >= 1
        assert b.get("/v1/hooks").json() == []
        assert b.delete(f"/v1/hooks/{hook['id']}").status_code == 404
        assert b.post(f"/v1/hooks/{hook['id']}/replay", json={}).status_code == 404
        assert b.get(f"/v1/hooks/{hook['id']}/deliveries").status_code == 404
        assert b.get("/v1/triggers/any").json() == []
        assert b.get("/v1/triggers/stamp_added").json() == []
        assert [h["id"] for h in a.get("/v1/hooks").json()] == [hook["id"]]


@settings(max_examples=6, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(st.sampled_from([DEMO_LOCATION_A, DEMO_LOCATION_B]), st.sampled_from(registry.event_names())), min_size=1, max_size=5
    )
)
def test_events_only_ever_reach_their_own_locations_subscribers(stack, emissions):
    receivers = {loc: HookReceiver().start() for loc in KEYS}
    try:
        hooks = {}
        for loc, key in KEYS.items():
            with stack.client(key) as c:
                hooks[loc] = subscribe(c, "any", receivers[loc].url)
        for loc, event in emissions:
            stack.emit(loc, event)
        stack.settle()
        for loc, rec in receivers.items():
            expected = sum(1 for where, _ in emissions if where == loc)
            got = rec.wait_for(expected, 5)
            records = [r.verify(hooks[loc]["secret"]) for r in got]
            assert all(r["location_id"] == loc for r in records)
            assert sorted(r["event"] for r in records) == sorted(e for where, e in emissions if where == loc)
            with stack.client(KEYS[loc]) as c:
                polled = c.get("/v1/triggers/any", params={"limit": 100}).json()
            assert all(p["location_id"] == loc for p in polled)
    finally:
        for loc, key in KEYS.items():
            receivers[loc].stop()
            with stack.client(key) as c:
                for h in c.get("/v1/hooks").json():
                    c.delete(f"/v1/hooks/{h['id']}")
