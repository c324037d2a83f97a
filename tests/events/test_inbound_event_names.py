"""Inbound event names are stored under the trigger's key when they are one after NFKC and case folding (issue 23.10)."""

from __future__ import annotations

import json
import time

from chalicelib.pipeline import intake
from chalicelib.security import signing
from sandbox import DEMO_KEY_A, DEMO_LOCATION_A


def test_non_canonical_names_are_stored_under_the_key_and_others_as_sent(stack):
    with stack.client(DEMO_KEY_A) as c:
        assert c.get("/v1/me").status_code == 200  # connects the location
    connection = stack.services.locations.get(DEMO_LOCATION_A)
    assert connection is not None and connection.secret
    sent = {"STAMP_ADDED": "stamp_added", "ｇｏａｌ＿ｒｅａｃｈｅｄ": "goal_reached", "card\u200b_saved": "card\u200b_saved"}
    for i, name in enumerate(sent):
        body = json.dumps({"event": name, "location_id": DEMO_LOCATION_A, "business_id": "b_demo", "timestamp": "2026-12-03T10:00:00Z"})
        headers = signing.headers(connection.secret, f"msg_names_{i}", int(time.time()), body)
        intake.receive(stack.services, connection.token, body.encode(), headers)
    stored = {json.loads(e.text)["event"] for e in stack.services.events.recent(DEMO_LOCATION_A, None, 10)}
    assert stored == set(sent.values())
    assert [json.loads(e.text)["event"] for e in stack.services.events.recent(DEMO_LOCATION_A, "stamp_added", 10)] == ["stamp_added"]
