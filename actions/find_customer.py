"""Find a customer and their cards' state and progress."""

from __future__ import annotations

from typing import Any

from actions._action_parts import SAMPLE_CARD, TEMPLATE_FIELD, CustomerRef
from chalicelib.contract.card_labels import card_field, card_fields
from chalicelib.contract.definitions import ActionContext, ActionDefinition, OutputField
from chalicelib.sevenstamp import customers


class FindCustomerInput(CustomerRef):
    template_id: str | None = TEMPLATE_FIELD


def _row(customer: dict[str, Any], card: dict[str, Any] | None) -> dict[str, Any]:
    card = card or {}
    return {
        "id": customer.get("id"),
        "email": customer.get("email"),
        "phone": customer.get("phone"),
        "name": customer.get("name"),
        "birthday": customer.get("birthday"),
        "language": customer.get("language"),
        "card_id": card.get("id"),
        "template_id": card.get("template_id"),
        "card_status": card.get("status"),
        "stamps": card.get("stamps"),
        "stamps_required": card.get("stamps_required"),
        "stamps_to_goal": (card["stamps_required"] - card["stamps"])
        if card.get("stamps_required") is not None and card.get("stamps") is not None
        else None,
        "goal_index": card.get("goal_index"),
        "total_stamps": card.get("total_stamps"),
        "last_stamp_at": card.get("last_stamp_at"),
        "wallet_url": card.get("wallet_url"),
        "cards": customer.get("cards") or [],
    }


def perform(ctx: ActionContext, data: FindCustomerInput) -> list[dict[str, Any]]:
    """One row per matching card (a customer without a card is one row without card fields)."""
    by, value = data.identifier()
    rows: list[dict[str, Any]] = []
    for customer in customers.customers(ctx.client, by, value):
        cards = [c for c in customer.get("cards") or [] if data.template_id in (None, c.get("template_id"))]
        if by == "card_id":
            cards = [c for c in cards if c.get("id") == value]
        rows.extend(_row(customer, card) for card in (cards or [None]))
    return rows


DEFINITION = ActionDefinition(
    key="find_customer",
    kind="search",
    noun="Customer",
    label="Find Customer",
    help_text="Finds a customer by email, phone, customer ID or card ID, with their card's stamps and progress toward the goal.",
    input_model=FindCustomerInput,
    output_fields=(
        OutputField("id", "Customer ID"),
        OutputField("email", "Email"),
        OutputField("phone", "Phone"),
        OutputField("name", "Name"),
        OutputField("birthday", "Birthday"),
        card_field("id", "card_id"),
        card_field("template_id"),
        card_field("status", "card_status"),
        *card_fields("stamps", "stamps_required"),
        OutputField("stamps_to_goal", "Stamps still needed", "integer"),
        *card_fields("goal_index", "wallet_url"),
    ),
    sample=_row(
        {
            "id": "c_789",
            "email": "jane.doe@example.com",
            "phone": "+15555550123",
            "name": "Jane Doe",
            "birthday": "1990-05-11",
            "language": "en",
            "cards": [SAMPLE_CARD],
        },
        SAMPLE_CARD,
    ),
    perform=perform,
)
