"""Issue a voucher to a customer, from a template or with a custom title."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from actions._action_parts import SAMPLE_VOUCHER, VOUCHER_OUTPUT, CustomerRef
from chalicelib.contract.definitions import ActionContext, ActionDefinition
from chalicelib.contract.input_types import VISIBLE, FutureMoment, Rule
from chalicelib.sevenstamp import customers


class CreateVoucherInput(CustomerRef):
    RULES: ClassVar[tuple[Rule, ...]] = (Rule("at_least", ("template_id", "title"), "Give a voucher template or a title"),)
    template_id: str | None = Field(
        None,
        title="Voucher template",
        description="A voucher template; or give a title instead.",
        min_length=1,
        pattern=VISIBLE,
        max_length=100,
        json_schema_extra={"dynamic": "voucher-templates"},
    )
    title: str | None = Field(
        None, title="Title", description="A custom voucher's title, e.g. 'Free dessert'.", min_length=1, pattern=VISIBLE, max_length=200
    )
    description: str | None = Field(
        None, title="Description", description="More about the voucher, shown on the wallet card.", pattern=VISIBLE, max_length=1000
    )
    redeem_code: str | None = Field(
        None, title="Redeem code", description="Leave empty to have one generated.", pattern=r"^[A-Za-z0-9_-]{4,64}$"
    )
    redeem_code_formats: list[Literal["text", "qr", "barcode"]] | None = Field(
        None, title="Redeem code formats", description="How the code is shown: text, qr, barcode.", min_length=1, max_length=3
    )
    expires_at: FutureMoment | None = Field(
        None, title="Expires at", description="When the voucher stops being valid, e.g. 2026-12-31T23:59:59Z."
    )


def perform(ctx: ActionContext, data: CreateVoucherInput) -> dict[str, Any]:
    by, value = data.identifier()
    body = data.model_dump(exclude_none=True, exclude={"email", "phone", "customer_id", "card_id"})
    if by == "card_id":
        body["card_id"] = value
    elif by == "customer_id":
        body["customer_id"] = value
    else:
        body["customer_id"] = customers.single(ctx.client, by, value)["id"]
    return ctx.client.create_voucher(body, idempotency_key=ctx.key_for("voucher"))


DEFINITION = ActionDefinition(
    key="create_voucher",
    kind="create",
    noun="Voucher",
    label="Create Voucher",
    help_text=(
        "Issues a voucher to a customer, from a voucher template or with your own title, redeem code and expiry. "
        "It appears on their wallet card."
    ),
    input_model=CreateVoucherInput,
    output_fields=VOUCHER_OUTPUT,
    sample=SAMPLE_VOUCHER,
    perform=perform,
)
