"""`make demo`: a scripted scenario a Zapier user would build, run on the local stack.

A local "Zapier" receiver subscribes to stamp_added, goal_reached and birthday_reached; a web
order adds a full card of stamps for a new shopper (issuing the card on the way, with the
order id as idempotency key); the shopper's birthday comes. The receiver prints what the
Zapier user would see. It uses the stack running at CONNECTOR_PORT (with its sandbox at
SANDBOX_PORT) or, when none answers there, starts one in this process on free ports.
Exit status 0 only when every expected delivery arrived, signed and enriched, in time.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from standardwebhooks.webhooks import WebhookVerificationError

from stack.receiver import HookReceiver, ReceivedDelivery, describe

EVENTS = ("stamp_added", "goal_reached", "birthday_reached")
COFFEE_CARD_GOAL = 10  # stamps_required of the sandbox's default card template (the coffee card)
WAIT_SECONDS = 30.0
HOST = "127.0.0.1"


class DemoFailed(Exception):
    """A step of the scenario did not go as a Zapier user would expect; the message says which."""


@dataclass(frozen=True)
class Target:
    """Where the scenario runs: the connector's API, the sandbox's control routes, the demo location and key."""

    connector: str
    sandbox: str
    api_key: str
    location_id: str


def _free_ports(count: int) -> list[int]:
    """Distinct free ports: all bound at once, so the system cannot hand out one twice."""
    with ExitStack() as held:
        probes = [held.enter_context(socket.socket()) for _ in range(count)]
        for probe in probes:
            probe.bind((HOST, 0))
        return [int(probe.getsockname()[1]) for probe in probes]


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def stack_target() -> Iterator[Target]:
    """The running stack at CONNECTOR_PORT, or one started here for the length of the demo."""
    from chalicelib import settings
    from sandbox import DEMO_KEY_A, DEMO_LOCATION_A

    configured = settings.load(os.environ)  # the ports as `make run` reads them (CONNECTOR_PORT, SANDBOX_PORT), same checks
    running = f"http://{HOST}:{configured.connector_port}"
    if _answers(f"{running}/health"):
        sandbox = f"http://{HOST}:{configured.sandbox_port}"
        if not _answers(f"{sandbox}/_sandbox/health"):
            raise DemoFailed(f"the stack at {running} has no sandbox at {sandbox}; the demo needs the sandbox (set SANDBOX_PORT)")
        print(f"Using the stack running at {running} (CONNECTOR_PORT) with its sandbox at {sandbox} (SANDBOX_PORT):")
        print(f"its deliveries show in that stack's console, {running}/console")
        yield Target(running, sandbox, DEMO_KEY_A, DEMO_LOCATION_A)
        return
    from stack import logs
    from stack.local import LocalStack, Ports

    logs.configure(logging.WARNING)  # the scenario's printout is the point; its stack's request lines are not
    with LocalStack(Ports(*_free_ports(3))) as local:
        print(
            f"No stack answers at {running} (CONNECTOR_PORT={configured.connector_port}) - starting one in this process at"
            f" {local.connector_url}, gone when the demo ends (to watch it in a console, start make run first, with the same ports)"
        )
        yield Target(local.connector_url, local.sevenstamp_url, DEMO_KEY_A, DEMO_LOCATION_A)


def _ok(response: httpx.Response, what: str) -> Any:
    if response.status_code >= 300:
        raise DemoFailed(f"{what}: HTTP {response.status_code} {response.text[:300]}")
    return response.json() if response.content else None


def _about(delivery: ReceivedDelivery, customer_id: str) -> bool:
    try:
        return (delivery.json().get("customer") or {}).get("id") == customer_id
    except ValueError:
        return False


def run(target: Target) -> None:
    """The scenario; raises DemoFailed at the first step that goes wrong."""
    receiver = HookReceiver().start()
    api = httpx.Client(base_url=target.connector, headers={"X-API-Key": target.api_key}, timeout=30)
    hooks: dict[str, dict[str, Any]] = {}
    try:
        print("\n1. Zapier subscribes its catch hook to", ", ".join(EVENTS))
        for event in EVENTS:
            hooks[event] = _ok(api.post("/v1/hooks", json={"event": event, "target_url": f"{receiver.url}/{event}"}), f"subscribe {event}")

        order = f"order-{uuid.uuid4().hex[:8]}"
        email = f"shopper-{uuid.uuid4().hex[:8]}@example.com"
        print(f"2. A web order ({order}) by a new shopper, {email}, buys {COFFEE_CARD_GOAL} coffees: add stamps, issuing the card")
        body = {"email": email, "count": COFFEE_CARD_GOAL, "issue_card_if_missing": True, "idempotency_key": order}
        card = _ok(api.post("/v1/actions/add-stamp", json=body), "add-stamp")
        print(
            f"   card {card['id']} created={card.get('card_created')} stamps {card.get('stamps')}/{card.get('stamps_required')}"
            f" goal_reached={card.get('goal_reached')}\n   wallet link for the confirmation e-mail: {card.get('wallet_url')}"
        )
        again = _ok(api.post("/v1/actions/add-stamp", json=body), "add-stamp (replayed order)")
        if again != card:
            raise DemoFailed("replaying the order with the same idempotency key changed the result")
        print("   the same order replayed (Zapier retried): same answer, no second stamping")

        print("3. The shopper's birthday comes")
        _ok(
            httpx.post(
                f"{target.sandbox}/_sandbox/emit",
                json={"location_id": target.location_id, "event": "birthday_reached", "customer_id": card["customer_id"]},
                timeout=10,
            ),
            "emit birthday_reached",
        )

        def arrived(got: list[ReceivedDelivery]) -> bool:
            return {d.path.rsplit("/", 1)[-1] for d in got if _about(d, card["customer_id"])} >= set(EVENTS)

        got = [d for d in receiver.wait_until(arrived, WAIT_SECONDS) if _about(d, card["customer_id"])]
        print(f"\nWhat the Zapier user sees ({len(got)} deliveries):")
        for delivery in got:
            event = delivery.path.rsplit("/", 1)[-1]
            try:
                record = delivery.verify(hooks[event]["secret"])
            except WebhookVerificationError as exc:
                raise DemoFailed(f"the {event} delivery's signature does not verify: {exc}") from exc
            if (record.get("customer") or {}).get("email") != email:
                raise DemoFailed(f"the {event} delivery is not enriched with the shopper's e-mail")
            print(f"  {describe(record)}  (id {record['id']}, signature verified)")
        missing = set(EVENTS) - {d.path.rsplit("/", 1)[-1] for d in got}
        if missing:
            raise DemoFailed(f"no delivery of {', '.join(sorted(missing))} within {WAIT_SECONDS:.0f} s")
        polled = _ok(api.get("/v1/triggers/goal_reached", params={"limit": 1}), "poll goal_reached")
        print(f"  polling trigger goal_reached (Make, or Zapier without hooks): newest id {polled[0]['id'] if polled else None}")
    finally:
        for hook in hooks.values():  # leave a running stack as it was; the receiver is about to go
            api.delete(f"/v1/hooks/{hook['id']}")
        api.close()
        receiver.stop()


def main() -> int:
    from chalicelib.errors import SettingsError

    try:
        with stack_target() as target:
            run(target)
    except (DemoFailed, httpx.HTTPError, SettingsError) as exc:
        print(f"\nDemo failed: {exc}", file=sys.stderr)
        return 1
    print("\nDemo passed: every expected delivery arrived, signed and enriched.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
