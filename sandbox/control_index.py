"""`GET /_sandbox`: every control route with what it does and an example body, and the seeded demo customers.

The README's sandbox section lists the same routes; a test checks that this list, the
route table and the README agree.
"""

from __future__ import annotations

from typing import Any

from .seed import build_seed

CONTROL_ROUTES: tuple[tuple[str, str, str, dict[str, Any] | None], ...] = (
    ("GET", "/_sandbox", "This list, with the seeded demo customers and their cards.", None),
    ("GET", "/_sandbox/health", 'Liveness: {"ok": true}.', None),
    ("GET", "/_sandbox/keys", "The demo API keys (one of them revoked) with their location and staff login.", None),
    ("GET", "/_sandbox/rate", "Each key's use of the 10 requests/second limit: requests, the most in one second, 429s.", None),
    ("GET", "/_sandbox/webhook-attempts", "Every webhook delivery attempt the sandbox made (to the connector's inbound URL).", None),
    (
        "POST",
        "/_sandbox/emit",
        "Make one of the 13 events happen at a location, changing state where the event implies it. About the location's newest "
        "card unless customer_id, card_id or voucher_id names one; options: result (lottery_played: win or lose), channel and "
        "campaign_name (campaign_sent), days (inactivity_trigger).",
        {"location_id": "loc_demo_a", "event": "stamp_added", "customer_id": "c_demo_a"},
    ),
    (
        "POST",
        "/_sandbox/faults",
        "Make the next matching API requests fail: path_prefix (required), method, status (400-599), retry_after (seconds), "
        "hang_seconds, times (default 1).",
        {"path_prefix": "/v1/customers", "status": 503, "retry_after": 2, "times": 3},
    ),
    ("DELETE", "/_sandbox/faults", "Clear every fault; answers how many were cleared.", None),
    ("POST", "/_sandbox/reset", "Back to the seed: the demo objects only; no faults, the rate limit's counts cleared.", None),
)


def index() -> dict[str, Any]:
    seed = build_seed("")
    cards = {card["customer_id"]: card for card in seed.cards.values()}
    customers = [
        {
            "location_id": seed.owner[c["id"]],
            "customer_id": c["id"],
            "name": c["name"],
            "email": c["email"],
            "phone": c["phone"],
            "card_id": cards[c["id"]]["id"],
            "stamps": f"{cards[c['id']]['stamps']}/{cards[c['id']]['stamps_required']}",
        }
        for c in seed.customers.values()
    ]
    return {
        "routes": [{"method": m, "path": p, "what": what, **({"example": body} if body else {})} for m, p, what, body in CONTROL_ROUTES],
        "demo_customers": customers,
    }
