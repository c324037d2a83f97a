"""Add stamps to a customer's card, issuing the card first when asked to."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from actions._action_parts import SAMPLE_CARD, SAMPLE_VOUCHER, TEMPLATE_FIELD, CustomerRef, card_output
from chalicelib.contract.card_labels import card_field, card_fields
from chalicelib.contract.definitions import ActionContext, ActionDefinition, OutputField
from chalicelib.contract.input_types import VISIBLE, Integer
from chalicelib.errors import NotFound
from chalicelib.sevenstamp import customers


class AddStampInput(CustomerRef):
    template_id: str | None = TEMPLATE_FIELD
    count: Integer = Field(1, ge=1, le=50, title="Stamps", description="How many stamps to add (1-50).")
    comment: str | None = Field(
        None, title="Comment", description="Shown in the card's history, e.g. an order number.", pattern=VISIBLE, max_length=500
    )
    issue_card_if_missing: bool = Field(
        False,
        title="Issue card if missing",
        description="Whether to issue a card first when the customer (found by email or phone) has none yet.",
    )
    name: str | None = Field(
        None, title="Name (for a new card)", description="Used only when a card is issued.", pattern=VISIBLE, max_length=200
    )


def _holder(ctx: ActionContext, data: AddStampInput) -> tuple[customers.Holder, bool]:
    by, value = data.identifier()
    try:
        return customers.resolve(ctx.client, by, value, data.template_id), False
    except NotFound:
        if not (data.issue_card_if_missing and by in ("email", "phone")):
            raise
    body = {by: value, "name": data.name, "template_id": data.template_id}
    issued = ctx.client.issue_card({k: v for k, v in body.items() if v}, idempotency_key=ctx.key_for("issue"))
    return customers.Holder(issued["customer"], issued["card"]), bool(issued["created"])


def perform(ctx: ActionContext, data: AddStampInput) -> dict[str, Any]:
    holder, created = _holder(ctx, data)
    assert holder.card is not None
    result = ctx.client.add_stamps(holder.card["id"], data.count, data.comment, idempotency_key=ctx.key_for("stamp"))
    goals = int(result.get("goals_reached") or 0)
    return {
        **card_output(result["card"], holder.customer),
        "stamps_added": result.get("stamps_added", data.count),
        "goals_reached": goals,
        "goal_reached": goals > 0,
        "vouchers": result.get("vouchers") or [],
        "card_created": created,
    }


DEFINITION = ActionDefinition(
    key="add_stamp",
    kind="create",
    noun="Stamp",
    label="Add Stamp",
    help_text=(
        "Adds stamps to a customer's card, found by email, phone, customer ID or card ID; can issue the card first, so a web "
        "order credits a new shopper."
    ),
    input_model=AddStampInput,
    output_fields=(
        *card_fields("id", "customer_id"),
        OutputField("stamps_added", "Stamps added", "integer"),
        *card_fields("stamps", "stamps_required"),
        OutputField("goal_reached", "Goal reached", "boolean"),
        OutputField("goals_reached", "Goals reached by this call", "integer"),
        OutputField("vouchers", "Reward vouchers issued", "array"),
        card_field("wallet_url"),
        OutputField("card_created", "Card was issued now", "boolean"),
    ),
    sample={
        **card_output({**SAMPLE_CARD, "stamps": 0, "goal_index": 1, "total_stamps": 10}, {"id": "c_789", "email": "jane.doe@example.com"}),
        "stamps_added": 1,
        "goals_reached": 1,
        "goal_reached": True,
        "vouchers": [{**SAMPLE_VOUCHER, "type": "reward"}],
        "card_created": False,
    },
    perform=perform,
)
