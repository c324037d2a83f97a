"""`GET /_sandbox` lists every control route and the seeded demo customers; the README's sandbox section lists the same routes."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from sandbox import DEMO_LOCATION_A, DEMO_LOCATION_B, Sandbox
from sandbox.routes import ROUTES

README = Path(__file__).resolve().parents[2] / "README.md"


def _control_routes() -> set[tuple[str, str]]:
    return {(r.method, r.pattern.pattern.strip("^$")) for r in ROUTES if r.pattern.pattern.startswith("^/_sandbox")}


def test_the_index_lists_every_control_route_and_the_demo_customers(sb: Sandbox, control: httpx.Client) -> None:
    answer = control.get("/_sandbox")
    assert answer.status_code == 200
    listed = answer.json()
    assert {(r["method"], r["path"]) for r in listed["routes"]} == _control_routes()
    assert all(r["what"] for r in listed["routes"])
    customers = {c["location_id"]: c for c in listed["demo_customers"]}
    assert customers[DEMO_LOCATION_A]["email"] == "ada@demo.example" and customers[DEMO_LOCATION_A]["card_id"] == "card_demo_a"
    assert customers[DEMO_LOCATION_B]["email"] == "ben@demo.example"


def test_each_example_body_is_accepted_by_its_route(sb: Sandbox, control: httpx.Client) -> None:
    for route in control.get("/_sandbox").json()["routes"]:
        if "example" in route:
            answer = control.request(route["method"], route["path"], json=route["example"])
            assert answer.status_code in (200, 201), (route["path"], answer.text)
    control.delete("/_sandbox/faults")


def test_the_readme_documents_every_control_route() -> None:
    section = README.read_text().split("### The 7stamp sandbox", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `(GET|POST|DELETE) (/_sandbox[^` ]*)`", section, re.M))
    assert documented == _control_routes()


def test_saved_state_goes_through_json_and_comes_back_whole(sb: Sandbox, a: httpx.Client, control: httpx.Client) -> None:
    """What the local stack writes to its data folder: a new sandbox loaded from it answers as the old one did."""
    import json

    card = a.post("/v1/cards", json={"email": "kept@example.com"}, headers={"Idempotency-Key": "order-1"}).json()["card"]
    a.post(f"/v1/cards/{card['id']}/stamps", json={"count": 2})
    saved = json.loads(json.dumps(sb.state.saved()))
    again = Sandbox(rate_limit_per_second=None)
    again.state.load_saved(saved)
    assert again.state.saved() == saved
    url = again.start()
    try:
        with httpx.Client(base_url=url, headers={"Authorization": a.headers["Authorization"]}) as b:
            kept = b.get(f"/v1/cards/{card['id']}").json()["card"]
            assert kept["stamps"] == 2
            replayed = b.post("/v1/cards", json={"email": "kept@example.com"}, headers={"Idempotency-Key": "order-1"})
            assert replayed.json()["card"]["id"] == card["id"]  # the idempotency record came back too
    finally:
        again.stop()
