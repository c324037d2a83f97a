"""Input fields and output shaping that several actions share, declared once."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from chalicelib.contract.card_labels import card_fields
from chalicelib.contract.definitions import OutputField
from chalicelib.contract.input_types import SEVENSTAMP_ID, VISIBLE, Email, Input, Phone, Rule

IDENTIFIERS = ("email", "phone", "customer_id", "card_id")


class CustomerRef(Input):
    """Who the action is about: exactly one of these four, a rule the OpenAPI document states too."""

    RULES: ClassVar[tuple[Rule, ...]] = (Rule("exactly", IDENTIFIERS, "Give exactly one of email, phone, customer_id or card_id"),)
    email: Email | None = Field(None, title="Customer email", description="The customer's email address.")
    phone: Phone | None = Field(
        None, title="Customer phone", description="The customer's phone number; international form (+1...) is safest."
    )
    customer_id: str | None = Field(
        None, title="Customer ID", description="The customer's id (c_...).", min_length=1, pattern=SEVENSTAMP_ID, max_length=100
    )
    card_id: str | None = Field(
        None, title="Card ID", description="The card's id (card_...).", min_length=1, pattern=SEVENSTAMP_ID, max_length=100
    )

    def identifier(self) -> tuple[str, str]:
        """The one identifier given, as (field name, value)."""
        return next((name, value) for name in IDENTIFIERS if (value := getattr(self, name)) is not None)


TEMPLATE_FIELD = Field(
    None,
    min_length=1,
    pattern=VISIBLE,
    title="Card template",
    description="Which card (loyalty program) to use; needed when a customer holds several cards.",
    max_length=100,
    json_schema_extra={"dynamic": "card-templates"},
)

CARD_OUTPUT = card_fields(
    "id", "customer_id", "template_id", "wallet_url", "status", "stamps", "stamps_required", "goal_index", "total_stamps"
)

VOUCHER_OUTPUT: tuple[OutputField, ...] = (
    OutputField("id", "Voucher ID"),
    OutputField("redeem_code", "Redeem code"),
    OutputField("status", "Voucher status"),
    OutputField("customer_id", "Customer ID"),
    OutputField("type", "Voucher type"),
    OutputField("title", "Title"),
    OutputField("expires_at", "Expires at", "datetime"),
    OutputField("redeemed_at", "Redeemed at", "datetime"),
    OutputField("redeemed_via", "Redeemed via"),
)

SAMPLE_CARD: dict[str, Any] = {
    "id": "card_001",
    "customer_id": "c_789",
    "template_id": "ct_coffee",
    "wallet_pass_id": "wp_abc",
    "wallet_url": "https://wallet.example.com/p/wp_abc",
    "status": "issued",
    "stamps": 4,
    "stamps_required": 10,
    "goal_index": 0,
    "total_stamps": 4,
    "last_stamp_at": "2026-05-11T12:34:56Z",
    "created_at": "2026-05-01T09:00:00Z",
}

SAMPLE_VOUCHER: dict[str, Any] = {
    "id": "v_555",
    "type": "voucher",
    "customer_id": "c_789",
    "card_id": "card_001",
    "template_id": None,
    "title": "Free coffee",
    "description": None,
    "redeem_code": "FREECOFFEE",
    "redeem_code_formats": ["text", "qr"],
    "status": "issued",
    "issued_at": "2026-05-11T12:34:56Z",
    "expires_at": None,
    "redeemed_at": None,
    "redeemed_via": None,
}


def card_output(card: dict[str, Any], customer: dict[str, Any] | None = None) -> dict[str, Any]:
    """A card flattened for mapping: the card's fields at the top, the customer beside them."""
    out = dict(card)
    if customer is not None:
        out["customer"] = {k: v for k, v in customer.items() if k != "cards"}
        out.setdefault("customer_id", customer.get("id"))
    return out
