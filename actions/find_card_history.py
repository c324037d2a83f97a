"""What happened on a customer's card, newest first: 7stamp's manual promises the card's history through the API."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from actions._action_parts import TEMPLATE_FIELD, CustomerRef
from chalicelib.contract.definitions import ActionContext, ActionDefinition, OutputField
from chalicelib.contract.input_types import WholeNumber
from chalicelib.errors import Forbidden, NotFound
from chalicelib.sevenstamp import customers

MAX_ENTRIES = 100


class FindCardHistoryInput(CustomerRef):
    template_id: str | None = TEMPLATE_FIELD
    limit: WholeNumber = Field(
        20, ge=1, le=MAX_ENTRIES, title="Limit", description=f"How many entries to return, newest first (1-{MAX_ENTRIES})."
    )


def perform(ctx: ActionContext, data: FindCardHistoryInput) -> list[dict[str, Any]]:
    """One row per history entry; a card id is used as given (one 7stamp call), anything else finds the card first.

    A card that is unknown or another location's is the same 404, so nothing tells them apart.
    """
    by, value = data.identifier()
    card_id, customer_id = value, None
    if by != "card_id":
        holder = customers.resolve(ctx.client, by, value, data.template_id)  # 404 without a card, 422 with several
        if holder.card is None:
            raise NotFound("That customer has no card")
        card_id, customer_id = str(holder.card["id"]), holder.customer.get("id")
    try:
        entries = ctx.client.card_history(card_id, data.limit)
    except (NotFound, Forbidden):
        raise NotFound("No card with that card ID") from None
    return [{**entry, "card_id": card_id, "customer_id": customer_id} for entry in entries]


DEFINITION = ActionDefinition(
    key="find_card_history",
    kind="search",
    noun="Card history entry",
    label="Find Card History",
    help_text=(
        "Lists what happened on a customer's card, newest first (stamps, goals, vouchers, visits), found by "
        "card ID or by the customer's email, phone or customer ID."
    ),
    input_model=FindCardHistoryInput,
    output_fields=(
        OutputField("id", "Entry ID"),
        OutputField("type", "What happened"),
        OutputField("at", "When", "datetime"),
        OutputField("card_id", "Card ID"),
        OutputField("customer_id", "Customer ID"),
        OutputField("data", "Details", "object"),
    ),
    sample={
        "id": "msg_sample_history",
        "type": "stamp_added",
        "at": "2026-05-11T12:34:56Z",
        "data": {"stamp": {"count": 1, "comment": "POS check #1042"}},
        "card_id": "card_001",
        "customer_id": "c_789",
    },
    perform=perform,
)
