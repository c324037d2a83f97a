"""Deterministic demo data: one business with two locations, so tenant isolation can be shown and tested."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .values import CardStatus, wallet_url

DEMO_BUSINESS_ID = "b_demo"
DEMO_LOCATION_A = "loc_demo_a"
DEMO_LOCATION_B = "loc_demo_b"
DEMO_KEY_A = "7loc_sc_demoA_downtown_0123456789"
DEMO_KEY_B = "7loc_sc_demoB_harbour_0123456789"
DEMO_KEY_REVOKED = "7loc_sc_demoA_revoked_0123456789"

Obj = dict[str, Any]


@dataclass
class Seed:
    """Every seeded collection, plus `owner` (object id -> location id) in creation order."""

    businesses: dict[str, Obj] = field(default_factory=dict)
    locations: dict[str, Obj] = field(default_factory=dict)
    api_keys: dict[str, Obj] = field(default_factory=dict)
    card_templates: dict[str, Obj] = field(default_factory=dict)
    voucher_templates: dict[str, Obj] = field(default_factory=dict)
    customers: dict[str, Obj] = field(default_factory=dict)
    cards: dict[str, Obj] = field(default_factory=dict)
    owner: dict[str, str] = field(default_factory=dict)

    def put(self, collection: dict[str, Obj], location_id: str, obj: Obj) -> None:
        collection[obj["id"]] = obj
        self.owner[obj["id"]] = location_id


def build_seed(base_url: str) -> Seed:
    seed = Seed()
    seed.businesses[DEMO_BUSINESS_ID] = {"id": DEMO_BUSINESS_ID, "name": "Demo Coffee Group"}
    for key, location_id, staff_login, revoked in (
        (DEMO_KEY_A, DEMO_LOCATION_A, "barista@demo.example", False),
        (DEMO_KEY_B, DEMO_LOCATION_B, "harbour.staff@demo.example", False),
        (DEMO_KEY_REVOKED, DEMO_LOCATION_A, "former.barista@demo.example", True),
    ):
        seed.api_keys[key] = {"key": key, "location_id": location_id, "staff_login": staff_login, "revoked": revoked}
    _location(
        seed,
        base_url,
        DEMO_LOCATION_A,
        "a",
        "Demo Coffee - Downtown",
        {"email": "ada@demo.example", "phone": "+14155550100", "name": "Ada Demo", "birthday": "1990-05-11"},
        stamps=3,
        status=CardStatus.SAVED,
    )
    _location(
        seed,
        base_url,
        DEMO_LOCATION_B,
        "b",
        "Demo Coffee - Harbour",
        {"email": "ben@demo.example", "phone": None, "name": "Ben Demo", "birthday": None},
        stamps=0,
        status=CardStatus.ISSUED,
    )
    return seed


def _location(seed: Seed, base_url: str, location_id: str, tag: str, name: str, person: Obj, *, stamps: int, status: CardStatus) -> None:
    seed.locations[location_id] = {"id": location_id, "name": name, "business_id": DEMO_BUSINESS_ID}
    for suffix, template_name, required, reward in (
        ("coffee", "Coffee card", 10, "Free coffee"),
        ("lunch", "Lunch card", 6, "Free lunch"),
    ):
        seed.put(
            seed.card_templates,
            location_id,
            {
                "id": f"ct_{tag}_{suffix}",
                "name": template_name,
                "stamps_required": required,
                "reward_title": reward,
            },
        )
    seed.put(
        seed.voucher_templates,
        location_id,
        {
            "id": f"vt_{tag}_welcome",
            "name": "Welcome voucher",
            "title": "10% off your next visit",
            "description": "One visit, any drink.",
            "validity_days": 30,
        },
    )
    seed.put(
        seed.voucher_templates,
        location_id,
        {
            "id": f"vt_{tag}_cake",
            "name": "Cake voucher",
            "title": "Free slice of cake",
            "description": None,
            "validity_days": None,
        },
    )
    customer_id, card_id, pass_id = f"c_demo_{tag}", f"card_demo_{tag}", f"wp_demo_{tag}"
    seed.put(
        seed.customers,
        location_id,
        {
            "id": customer_id,
            **person,
            "language": "en",
            "created_at": "2026-01-05T09:00:00Z",
        },
    )
    seed.put(
        seed.cards,
        location_id,
        {
            "id": card_id,
            "customer_id": customer_id,
            "template_id": f"ct_{tag}_coffee",
            "wallet_pass_id": pass_id,
            "wallet_url": wallet_url(base_url, pass_id),
            "status": status,
            "stamps": stamps,
            "stamps_required": 10,
            "goal_index": 0,
            "total_stamps": stamps,
            "last_stamp_at": "2026-01-05T09:05:00Z" if stamps else None,
            "created_at": "2026-01-05T09:00:00Z",
        },
    )
