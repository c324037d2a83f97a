"""The control routes: /_sandbox/emit makes each of the 13 events happen; keys, health and reset."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from contract_events import CONTRACT_EVENTS as EVENTS
from sandbox_support import issue, subscribe, tries, wait_until

from sandbox import DEMO_KEY_A, DEMO_KEY_B, DEMO_KEY_REVOKED, DEMO_LOCATION_A, DEMO_LOCATION_B, Sandbox
from sandbox.state.control import BUILDERS
from sandbox.values import Event
from stack.receiver import HookReceiver

EMIT_EXTRAS: dict[str, dict[str, Any]] = {
    "lottery_played": {"result": "win"},
    "campaign_sent": {"channel": "email", "campaign_name": "Spring menu"},
    "inactivity_trigger": {"days": 45},
}


@pytest.mark.parametrize("event", EVENTS)
def test_emit_makes_each_event_happen(sb: Sandbox, a: httpx.Client, control: httpx.Client, receiver: HookReceiver, event: str) -> None:
    hook = subscribe(a, f"{receiver.url}/ok", ["*"])
    response = control.post(
        "/_sandbox/emit",
        json={
            "location_id": DEMO_LOCATION_A,
            "event": event,
            **EMIT_EXTRAS.get(event, {}),
        },
    )
    assert response.status_code == 200, response.text
    payload, [message_id] = response.json()["event"], response.json()["message_ids"]
    assert payload["event"] == event and payload["card"]["id"] == "card_demo_a"
    [delivered] = wait_until(lambda: tries(receiver, message_id))
    assert delivered.verify(hook["secret"]) == payload

    voucher = sb.state.vouchers.get(payload.get("voucher", {}).get("id", ""))
    checks: dict[str, Callable[[], bool]] = {
        "card_saved": lambda: sb.state.cards["card_demo_a"]["status"] == "saved",
        "stamp_added": lambda: payload["stamp"] == {"count": 1, "comment": None} and payload["card"]["stamps"] == 3,
        "goal_reached": lambda: payload["card"]["goal_index"] == 0,
        "reward_issued": lambda: voucher is not None and voucher["type"] == "reward",
        "voucher_issued": lambda: voucher is not None and voucher["type"] == "voucher",
        "voucher_redeemed": lambda: voucher is not None and voucher["redeemed_via"] == "staff_scanner",
        "voucher_expired": lambda: voucher is not None and voucher["status"] == "expired",
        "lottery_played": lambda: (
            voucher is not None
            and voucher["type"] == "lottery_prize"
            and payload["lottery"]["result"] == "win"
            and payload["lottery"]["prize"]["voucher_id"] == voucher["id"]
        ),
        "birthday_reached": lambda: voucher is not None and voucher["type"] == "birthday",
        "inactivity_trigger": lambda: payload["inactivity"] == {"days": 45},
        "campaign_sent": lambda: payload["campaign"]["channel"] == "email" and payload["campaign"]["name"] == "Spring menu",
    }
    assert checks.get(event, lambda: True)()
    assert a.get("/v1/cards/card_demo_a/history").json()["data"][0]["type"] == event


def test_emit_uses_the_given_subject_and_rejects_unknown_names(a: httpx.Client, control: httpx.Client) -> None:
    voucher = a.post("/v1/vouchers", json={"customer_id": "c_demo_a", "title": "Scan me"}).json()
    redeemed = control.post(
        "/_sandbox/emit",
        json={
            "location_id": DEMO_LOCATION_A,
            "event": "voucher_redeemed",
            "voucher_id": voucher["id"],
        },
    ).json()["event"]
    assert redeemed["voucher"]["id"] == voucher["id"] and redeemed["voucher"]["status"] == "redeemed"
    other = control.post("/_sandbox/emit", json={"location_id": DEMO_LOCATION_B, "event": "card_opened"}).json()
    assert other["event"]["card"]["id"] == "card_demo_b" and other["message_ids"] == []
    assert control.post("/_sandbox/emit", json={"location_id": DEMO_LOCATION_A, "event": "kartu_diterbitkan"}).status_code == 422
    assert control.post("/_sandbox/emit", json={"location_id": "loc_nope", "event": "card_opened"}).status_code == 422


# ----- control routes ----------------------------------------------------------------------------


def test_control_routes(sb: Sandbox, a: httpx.Client, control: httpx.Client) -> None:
    assert control.get("/_sandbox/health").json() == {"ok": True}
    keys = {k["key"]: k for k in control.get("/_sandbox/keys").json()["data"]}
    assert keys[DEMO_KEY_B]["location_id"] == DEMO_LOCATION_B and keys[DEMO_KEY_REVOKED]["revoked"] is True
    assert keys[DEMO_KEY_A]["location_name"] == "Demo Coffee - Downtown"
    card_id = issue(a, "gone@example.com")["card"]["id"]
    assert control.post("/_sandbox/reset").json() == {"ok": True}
    assert card_id not in sb.state.cards and "card_demo_a" in sb.state.cards
    assert [t["id"] for t in a.get("/v1/templates/cards").json()["data"]] == ["ct_a_lunch", "ct_a_coffee"]


def test_every_event_of_the_contract_has_one_builder() -> None:
    """A new event name without its entry in the emit table would answer 500 instead of making the event happen."""
    assert set(BUILDERS) == set(Event) and sorted(Event) == sorted(EVENTS)
