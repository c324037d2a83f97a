"""Issue a wallet card to a customer, or return the card they already hold."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from actions._action_parts import CARD_OUTPUT, SAMPLE_CARD, TEMPLATE_FIELD, card_output
from chalicelib.contract.definitions import ActionContext, ActionDefinition, OutputField
from chalicelib.contract.input_types import VISIBLE, Day, Email, Input, Phone, Rule


class IssueCardInput(Input):
    RULES: ClassVar[tuple[Rule, ...]] = (Rule("at_least", ("email", "phone"), "Give the customer's email or phone"),)
    email: Email | None = Field(None, title="Email", description="The customer's email address; email or phone is required.")
    phone: Phone | None = Field(None, title="Phone", description="The customer's phone number; email or phone is required.")
    name: str | None = Field(
        None, title="Name", description="The customer's name, shown on the card.", min_length=1, pattern=VISIBLE, max_length=200
    )
    birthday: Day | None = Field(None, title="Birthday", description="YYYY-MM-DD; enables birthday rewards.")
    language: str | None = Field(None, title="Language", description="Card language, e.g. en or de.", pattern=r"^[a-z]{2}(-[A-Z]{2})?$")
    template_id: str | None = TEMPLATE_FIELD


def perform(ctx: ActionContext, data: IssueCardInput) -> dict[str, Any]:
    body = data.model_dump(exclude_none=True)
    result = ctx.client.issue_card(body, idempotency_key=ctx.key_for("issue"))
    return {**card_output(result["card"], result["customer"]), "created": bool(result["created"])}


DEFINITION = ActionDefinition(
    key="issue_card",
    kind="create",
    noun="Card",
    label="Issue Card",
    help_text=(
        "Issues a wallet loyalty card to a customer by email or phone and returns their personal wallet link. "
        "A customer who already holds one gets that card back."
    ),
    input_model=IssueCardInput,
    output_fields=CARD_OUTPUT + (OutputField("created", "New card", "boolean"), OutputField("customer.email", "Customer email")),
    sample={
        **card_output(SAMPLE_CARD, {"id": "c_789", "email": "jane.doe@example.com", "phone": None, "name": "Jane Doe"}),
        "created": True,
    },
    perform=perform,
)
