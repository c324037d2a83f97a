"""The operator console in a real browser: Debian's headless Chromium driven by Playwright, against the test stack.

The operator is told in words why a malformed or revoked key does not sign in, signs in with the demo
key, sees a delivery arrive, sees a failing subscription get disabled, enables it, replays its failed delivery (the console says how
many first) and sees it delivered, sends a test event, finds a customer's events, sends a waiting retry now ("Retry now")
after the scheduled 5-second retry failed too, and signs out. The key never appears in a URL, and the strict Content-Security-Policy
reports no violation. ``CONSOLE_SCREENSHOT=docs/console.png`` saves the screenshot
shown in the README.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from event_support import receiving, subscribe

from sandbox import DEMO_KEY_A, DEMO_KEY_REVOKED

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 15_000


@pytest.fixture
def browser_page(tmp_path: Path) -> Iterator[object]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing at /usr/bin/chromium: .ci/run installs Debian's chromium package")
        pytest.skip("Chromium is not installed here (apt-get install -y chromium); CI installs it and runs this test")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=str(CHROMIUM),
            args=ARGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
            locale="en-GB",
            timezone_id="UTC",
        )
        context.set_default_timeout(WAIT_MS)
        page = context.new_page()
        page.problems = []  # type: ignore[attr-defined]
        page.urls = []  # type: ignore[attr-defined]
        page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))  # type: ignore[attr-defined]
        page.on("pageerror", lambda e: page.problems.append(str(e)))  # type: ignore[attr-defined]
        page.on("request", lambda r: page.urls.append(r.url))  # type: ignore[attr-defined]
        try:
            yield page
        finally:
            context.close()


def test_an_operator_sees_a_delivery_fixes_a_failing_subscription_sends_a_test_and_signs_out(stack, clock, browser_page, tmp_path):
    from playwright.sync_api import expect

    page = browser_page
    with receiving() as zap, receiving(default=500, body="Internal Server Error") as broken, stack.client(DEMO_KEY_A) as c:
        good = subscribe(c, "stamp_added", zap.url)
        bad = subscribe(c, "stamp_added", broken.url)

        page.goto(f"{stack.connector}/console")
        page.get_by_label("API key").fill("my password")
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("#sign-in-error")).to_contain_text("does not look like a 7stamp API key")
        page.get_by_label("API key").fill(DEMO_KEY_REVOKED)
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("#sign-in-error")).to_contain_text("was not accepted")
        page.get_by_label("API key").fill(DEMO_KEY_A)
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("#location-name")).to_have_text("Demo Coffee - Downtown")
        expect(page.locator("#mcp-url")).to_have_text(f"{stack.connector}/mcp")
        expect(page.locator("#log-empty")).to_contain_text("Nothing has been delivered yet")
        expect(page.locator("#events-empty")).to_contain_text("No events yet")

        # a delivery arrives; the broken target fails
        c.post("/v1/actions/add-stamp", json={"card_id": "card_demo_a"})
        stack.settle()
        page.get_by_role("button", name="Refresh").click()
        expect(page.locator(f'#log tr[data-hook-id="{good["id"]}"]')).to_contain_text("Delivered")
        bad_row = page.locator(f'#hooks tr[data-hook-id="{bad["id"]}"]')
        expect(bad_row).to_contain_text("Failing")

        # five days of failures later it is disabled, and the console says why
        clock.advance(5 * 86400 + 60)
        stack.worker.sweep()
        stack.settle()
        page.get_by_role("button", name="Refresh").click()
        expect(bad_row).to_contain_text("Disabled")
        expect(bad_row).to_contain_text("every delivery failed for 5 days")
        expect(page.locator(f'#log tr[data-hook-id="{bad["id"]}"]')).to_contain_text("Failed")

        # the target is fixed: enable, replay (the console counts first), delivered
        broken.script.default, broken.script.body = 200, "ok"
        bad_row.get_by_role("button", name="Enable").click()
        expect(bad_row).to_contain_text("Active")
        bad_row.get_by_role("button", name="Replay failed").click()
        expect(page.locator("#confirm-count")).to_have_text("This will send 1 failed delivery again.")
        page.get_by_role("button", name="Send again (1)").click()
        expect(page.locator("#notice")).to_contain_text("1 delivery is on the way")
        stack.settle()
        page.get_by_role("button", name="Refresh").click()
        bad_log = page.locator(f'#log tr[data-hook-id="{bad["id"]}"]')
        expect(bad_log).to_contain_text("Delivered")
        replayed = broken.wait_for(3)[-1]
        assert replayed.verify(bad["secret"])["event"] == "stamp_added"

        # each attempt's detail: when, the answer, how long it took
        bad_log.click()
        expect(page.locator("#detail")).to_contain_text("answered 500")
        expect(page.locator("#detail")).to_contain_text("answered 200")
        expect(page.locator("#detail .answer").first).to_have_text("Internal Server Error")
        expect(page.locator("#detail .answer").last).to_have_text("ok")
        expect(page.locator("#detail")).to_contain_text(re.compile(r"\d+ ms"))

        # a test event, signed like any delivery
        zap.clear()
        page.locator(f'#hooks tr[data-hook-id="{good["id"]}"]').get_by_role("button", name="Send test").click()
        expect(page.locator("#notice")).to_contain_text("Test event sent")
        [test_post] = zap.wait_for(1)
        assert test_post.verify(good["secret"])["test"] is True

        # a few more hours of traffic for the chart: a CRM that is down fails until it is disabled (its waiting
        # retries then fail for good), then find Ada's events
        with receiving(default=503) as crm:
            down = subscribe(c, "any", crm.url)
            for hours in (2, 3, 1, 2):
                clock.advance(hours * 3600)
                c.post("/v1/actions/add-stamp", json={"card_id": "card_demo_a"})
                stack.settle()
            c.post(f"/v1/hooks/{down['id']}/disable")
            clock.advance(60)
            stack.worker.sweep()
            stack.settle()
        page.get_by_role("button", name="Refresh").click()
        expect(page.locator("#legend")).to_contain_text("Delivered")
        expect(page.locator(f'#hooks tr[data-hook-id="{down["id"]}"]')).to_contain_text("disabled in the console")
        page.get_by_placeholder("Email, customer ID, card ID or event ID").fill("ada@demo.example")
        page.get_by_role("button", name="Search").click()
        expect(page.locator("#events tbody tr").first).to_contain_text("Ada Demo")
        page.get_by_placeholder("Email, customer ID, card ID or event ID").fill("nobody@demo.example")
        page.get_by_role("button", name="Search").click()
        expect(page.locator("#events-empty")).to_contain_text("No recent event of")
        page.get_by_placeholder("Email, customer ID, card ID or event ID").fill("")
        page.get_by_role("button", name="Search").click()

        # the target goes down again: the first attempt fails, the schedule's retry 5 s later too (no clock moved
        # here: the times shown are the real schedule's); it is fixed and the operator sends the waiting one now
        broken.script.statuses, broken.script.body = [503, 503], "Service Unavailable"
        before = broken.count()
        c.post("/v1/actions/add-stamp", json={"card_id": "card_demo_a"})
        stack.settle()
        for _ in range(40):  # the 5-second retry comes from the queue's delay (real seconds): the test's worker runs when pumped
            if broken.count() >= before + 2:
                break
            time.sleep(0.5)
            stack.worker.pump_queue()
        assert broken.count() == before + 2
        broken.script.body = "ok"
        stack.settle()
        page.get_by_role("button", name="Refresh").click()
        bad_row.get_by_role("button", name="Retry now").click()
        expect(page.locator("#notice")).to_contain_text("1 waiting delivery is on the way")
        stack.settle()
        page.get_by_role("button", name="Refresh").click()
        retried = c.get(f"/v1/hooks/{bad['id']}/deliveries").json()[0]  # the newest
        assert [a["status_code"] for a in retried["history"]] == [503, 503, 200] and retried["status"] == "delivered"
        page.locator(f'#log tr[data-hook-id="{bad["id"]}"][data-event-id="{retried["event_id"]}"]').click()
        expect(page.locator("#detail .answer")).to_have_text(["Service Unavailable", "Service Unavailable", "ok"])
        page.screenshot(path=os.environ.get("CONSOLE_SCREENSHOT") or str(tmp_path / "console.png"), full_page=True)

        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        assert page.evaluate("() => sessionStorage.length") == 0

    assert not [u for u in page.urls if DEMO_KEY_A in u or DEMO_KEY_REVOKED in u], "a key must never be in a URL"
    assert [p for p in page.problems if "401" not in p] == [], page.problems  # the revoked key's 401 is the only error
