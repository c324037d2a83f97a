"""A stage serves only its client (issue 23.8): CONNECTOR_ALLOWED_LOCATIONS / _BUSINESSES refuse every other key with a 403."""

from __future__ import annotations

import pytest

from sandbox import DEMO_KEY_A, DEMO_KEY_B, DEMO_LOCATION_A, DEMO_LOCATION_B


def endpoints_of(stack, location_id: str) -> list[dict]:
    state = stack.sandbox.state
    return [w for w in state.webhook_endpoints.values() if state.owner[w["id"]] == location_id]


def allow(stack, monkeypatch: pytest.MonkeyPatch, **settings: str) -> None:
    for name, value in settings.items():
        monkeypatch.setenv(f"CONNECTOR_ALLOWED_{name.upper()}", value)
    stack.rebuild()


def test_another_locations_key_is_refused_before_anything_is_registered_or_stored(stack, monkeypatch):
    allow(stack, monkeypatch, locations=f" {DEMO_LOCATION_A} ,loc_other")
    with stack.client(DEMO_KEY_B) as other:
        answer = other.post("/v1/hooks", json={"event": "stamp_added", "target_url": "https://example.com/hook"})
        assert answer.status_code == 403, answer.text
        assert f"location {DEMO_LOCATION_B} is not one of them" in answer.json()["error"]["message"]
        assert other.get("/v1/me").status_code == 403
    assert endpoints_of(stack, DEMO_LOCATION_B) == []  # no webhook registered at 7stamp
    assert stack.services.locations.get(DEMO_LOCATION_B) is None  # no connection, no stored key
    with stack.client(DEMO_KEY_A) as own:
        assert own.get("/v1/me").status_code == 200


def test_another_business_is_refused_and_an_own_business_passes(stack, monkeypatch):
    allow(stack, monkeypatch, businesses="b_elsewhere")
    with stack.client(DEMO_KEY_A) as client:
        answer = client.get("/v1/hooks")
        assert answer.status_code == 403
        assert "business b_demo is not one of them" in answer.json()["error"]["message"]
    assert stack.services.locations.get(DEMO_LOCATION_A) is None
    allow(stack, monkeypatch, businesses="b_demo,b_elsewhere")
    with stack.client(DEMO_KEY_A) as client:
        assert client.get("/v1/hooks").status_code == 200


def test_a_key_remembered_before_the_setting_and_its_inbound_events_are_refused(stack, monkeypatch):
    with stack.client(DEMO_KEY_B) as client:
        assert client.get("/v1/me").status_code == 200  # open stage: location B connects, its key is remembered
    allow(stack, monkeypatch, locations=DEMO_LOCATION_A)
    with stack.client(DEMO_KEY_B) as client:
        assert client.get("/v1/me").status_code == 403
    stack.emit(DEMO_LOCATION_B, "stamp_added", card_id="card_demo_b")
    stack.settle()
    assert stack.services.events.recent(DEMO_LOCATION_B, None, 10) == []  # 7stamp's delivery refused, nothing stored


def test_unset_means_open(stack):
    assert not stack.services.settings.allowed_locations and not stack.services.settings.allowed_businesses
    with stack.client(DEMO_KEY_B) as client:
        assert client.get("/v1/me").status_code == 200
