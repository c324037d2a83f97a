"""The generated Zapier app: valid for zapier-platform-schema, and run by zapier-platform-core against the local stack."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from zapier_runner import CORE_VERSION, ZapierError, ZapierRunner

from chalicelib.contract import catalog
from sandbox import DEMO_KEY_A, DEMO_LOCATION_A
from stack.receiver import HookReceiver

AUTH = {"api_key": DEMO_KEY_A}
CATALOG = catalog.catalog()
EVENTS = [t["key"] for t in CATALOG["triggers"] if t["key"] != "any"]


def test_the_app_passes_validate_app_definition(zapier: ZapierRunner) -> None:
    assert zapier.validate() == []


def test_validation_is_not_vacuous(zapier_app: Path, tmp_path: Path) -> None:
    broken = tmp_path / "app"
    shutil.copytree(zapier_app, broken)
    trigger = broken / "triggers" / "stamp_added.js"
    trigger.write_text(trigger.read_text().replace('"label": "Stamp Added"', '"label": "S"'))
    runner = ZapierRunner(broken)
    try:
        errors = runner.validate()
    finally:
        runner.close()
    assert any("triggers.stamp_added.display.label" in e for e in errors), errors


def test_the_app_is_self_contained_with_one_file_per_operation(zapier_app: Path) -> None:
    package = json.loads((zapier_app / "package.json").read_text())
    assert package["dependencies"] == {"zapier-platform-core": CORE_VERSION}
    index = (zapier_app / "index.js").read_text()
    folders = {"create": "creates", "search": "searches"}
    paths = [f"triggers/{t['key']}" for t in CATALOG["triggers"]] + [f"{folders[a['kind']]}/{a['key']}" for a in CATALOG["actions"]]
    for path in paths:
        assert (zapier_app / f"{path}.js").is_file()
        assert f"require('./{path}')" in index


def test_auth_test_label_and_a_bad_key(stack: Any, live_zapier: ZapierRunner) -> None:
    me = live_zapier.run("authentication.test", {"authData": AUTH})
    assert me["location_id"] == DEMO_LOCATION_A
    assert live_zapier.run("authentication.connectionLabel", {"authData": AUTH, "inputData": me}) == me["location_name"]

    unknown = "7loc_sc_nobody_has_this_key_0000"
    with stack.client(unknown) as client:
        said = client.get("/v1/me").json()["error"]["message"]
    with pytest.raises(ZapierError) as failed:
        live_zapier.run("authentication.test", {"authData": {"api_key": unknown}})
    assert failed.value.details == {"message": said, "code": "AuthenticationError", "status": 401}

    with pytest.raises(ZapierError) as malformed:
        live_zapier.run("authentication.test", {"authData": {"api_key": "my password"}})
    assert "7loc_sc_" in malformed.value.details["message"]


def _wait_for_deliveries(receiver: HookReceiver, count: int, timeout: float = 60.0) -> list[Any]:
    received = receiver.wait_for(count, timeout)
    assert len(received) >= count, f"{len(received)} of {count} deliveries arrived: {[r.json().get('event') for r in received]}"
    return received


def test_every_event_through_hooks_and_polling(stack: Any, live_zapier: ZapierRunner) -> None:
    """Subscribe each trigger, make the sandbox emit its event, run perform and performList on it, unsubscribe."""
    live_zapier.run("authentication.test", {"authData": AUTH})  # connects the location to 7stamp's webhooks
    receiver = HookReceiver().start()
    stack.worker.start()
    try:
        subscriptions = {}
        for key in [*EVENTS, "any"]:
            bundle = {
                "authData": AUTH,
                "targetUrl": f"{receiver.url}?trigger={key}",
                "inputData": {"event": ["stamp_added"]} if key == "any" else {},
            }
            subscriptions[key] = live_zapier.run(f"triggers.{key}.operation.performSubscribe", bundle)
            assert subscriptions[key]["event"] == key
        for event in EVENTS:
            stack.emit(DEMO_LOCATION_A, event)
        received = _wait_for_deliveries(receiver, len(EVENTS) + 1)
        bodies = {r.path.split("trigger=")[1]: r.json() for r in received}
        assert sorted(bodies) == sorted([*EVENTS, "any"])

        for key, body in bodies.items():
            records = live_zapier.run(f"triggers.{key}.operation.perform", {"authData": AUTH, "cleanedRequest": body})
            assert records == [body]
            assert body["enriched"] is True and body["customer"]["email"] == "ada@demo.example"  # added by the connector
            listed = live_zapier.run(f"triggers.{key}.operation.performList", {"authData": AUTH, "inputData": {}, "meta": {"limit": 20}})
            assert body in listed, f"{key}: performList did not return the delivered record"

        only_stamps = live_zapier.run(
            "triggers.any.operation.performList", {"authData": AUTH, "inputData": {"event": ["stamp_added"]}, "meta": {}}
        )
        assert only_stamps and {r["event"] for r in only_stamps} == {"stamp_added"}

        for key, subscription in subscriptions.items():
            live_zapier.run(f"triggers.{key}.operation.performUnsubscribe", {"authData": AUTH, "subscribeData": subscription})
        with stack.client(DEMO_KEY_A) as client:
            assert client.get("/v1/hooks").json() == []
        # The `any` subscription's filter let stamp_added through and held back the other twelve.
        assert [r.json()["event"] for r in receiver.received if r.path.endswith("trigger=any")] == ["stamp_added"]
        # Unsubscribing again (a hook already gone) is not an error.
        live_zapier.run(
            "triggers.stamp_added.operation.performUnsubscribe", {"authData": AUTH, "subscribeData": subscriptions["stamp_added"]}
        )
    finally:
        stack.worker.stop()
        receiver.stop()


def _sandbox(stack: Any, path: str, **params: str) -> Any:
    """What the sandbox itself holds, read with the location's key."""
    answer = httpx.get(f"{stack.sandbox_url}{path}", params=params, headers={"Authorization": f"Bearer {DEMO_KEY_A}"}, timeout=10)
    answer.raise_for_status()
    return answer.json()


def test_creates_and_searches_return_what_the_sandbox_holds(stack: Any, live_zapier: ZapierRunner) -> None:
    def run(method: str, **input_data: Any) -> Any:
        return live_zapier.run(method, {"authData": AUTH, "inputData": input_data})

    email = "zap.shopper@example.com"
    assert run("searches.find_customer.operation.perform", email=email) == []  # search-or-create would issue a card now

    card = run(
        "creates.issue_card.operation.perform", email=email, name="Zap Shopper", template_id="ct_a_coffee", birthday="", idempotency_key=""
    )
    held = _sandbox(stack, f"/v1/cards/{card['id']}")
    assert (card["customer_id"], card["wallet_url"], card["created"]) == (held["card"]["customer_id"], held["card"]["wallet_url"], True)
    assert held["customer"]["email"] == email

    stamp = {"email": email, "count": "2", "comment": "Order 1001", "idempotency_key": "order-1001"}
    first = run("creates.add_stamp.operation.perform", **stamp)
    again = run("creates.add_stamp.operation.perform", **stamp)
    assert first == again and first["stamps_added"] == 2
    assert _sandbox(stack, f"/v1/cards/{card['id']}")["card"]["stamps"] == 2  # the repeated call added nothing
    history = run("searches.find_card_history.operation.perform", email=email)
    assert [e["type"] for e in history] == [e["type"] for e in _sandbox(stack, f"/v1/cards/{card['id']}/history")["data"]]
    assert history[0]["type"] == "stamp_added" and history[0]["card_id"] == card["id"]  # newest first

    voucher = run("creates.create_voucher.operation.perform", email=email, title="Free muffin", redeem_code_formats=["text", "qr"])
    held_voucher = _sandbox(stack, f"/v1/vouchers/{voucher['id']}")
    assert (voucher["redeem_code"], voucher["title"], voucher["status"]) == (
        held_voucher["redeem_code"],
        "Free muffin",
        held_voucher["status"],
    )
    assert [v["id"] for v in run("searches.find_voucher.operation.perform", redeem_code=voucher["redeem_code"])] == [voucher["id"]]

    redeemed = run("creates.redeem_voucher.operation.perform", redeem_code=voucher["redeem_code"])
    assert redeemed["status"] == _sandbox(stack, f"/v1/vouchers/{voucher['id']}")["status"] == "redeemed"

    [row] = run("searches.find_customer.operation.perform", email=email)
    assert (row["card_id"], row["stamps"], row["wallet_url"]) == (card["id"], 2, card["wallet_url"])

    today = datetime.now(UTC).date()
    period = {"from": (today - timedelta(days=1)).isoformat(), "to": today.isoformat()}
    [summary] = run("searches.find_analytics_summary.operation.perform", **period)
    counts = _sandbox(stack, "/v1/analytics/summary", **period)
    assert {k: summary[k] for k in counts} == counts and counts["stamps_added"] == 2


def test_dropdowns_read_the_option_sources(stack: Any, live_zapier: ZapierRunner) -> None:
    def options(key: str) -> list[dict[str, str]]:
        return list(live_zapier.run(f"triggers.options_{key}.operation.perform", {"authData": AUTH}))

    assert {"id": "ct_a_coffee", "label": "Coffee card"} in options("card_templates")
    assert {"id": "vt_a_welcome", "label": "Welcome voucher"} in options("voucher_templates")
    assert [o["id"] for o in options("events")] == [t["key"] for t in CATALOG["triggers"]]


def test_errors_reach_zapier_as_zapier_errors(stack: Any, live_zapier: ZapierRunner) -> None:
    with pytest.raises(ZapierError) as invalid:
        live_zapier.run("creates.add_stamp.operation.perform", {"authData": AUTH, "inputData": {"email": "not-an-email"}})
    assert invalid.value.name == "AppError"
    assert invalid.value.details["status"] == 422 and "email" in invalid.value.details["message"]

    stack.fault(path_prefix="/v1/customers", status=429, retry_after=120, times=5)
    with pytest.raises(ZapierError) as throttled:
        live_zapier.run("searches.find_customer.operation.perform", {"authData": AUTH, "inputData": {"email": "ada@demo.example"}})
    assert throttled.value.name == "ThrottledError"
    assert throttled.value.details["delay"] == 120 and "throttling" in throttled.value.details["message"]
