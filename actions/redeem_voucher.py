"""Redeem a voucher by its id or its redeem code (for a POS or a web shop)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from actions._action_parts import SAMPLE_VOUCHER, VOUCHER_OUTPUT
from chalicelib.contract.definitions import ActionContext, ActionDefinition
from chalicelib.contract.input_types import SEVENSTAMP_ID, VISIBLE, Input, Rule
from chalicelib.errors import NotFound


class RedeemVoucherInput(Input):
    RULES: ClassVar[tuple[Rule, ...]] = (Rule("exactly", ("voucher_id", "redeem_code"), "Give either the voucher ID or the redeem code"),)
    voucher_id: str | None = Field(
        None, title="Voucher ID", description="The voucher's id (v_...).", min_length=1, pattern=SEVENSTAMP_ID, max_length=100
    )
    redeem_code: str | None = Field(
        None, title="Redeem code", description="The code the customer shows.", min_length=1, pattern=VISIBLE, max_length=64
    )
    comment: str | None = Field(
        None, title="Comment", description="Shown in the card's history, e.g. the till or order.", pattern=VISIBLE, max_length=500
    )


def perform(ctx: ActionContext, data: RedeemVoucherInput) -> dict[str, Any]:
    voucher_id = data.voucher_id
    if not voucher_id:
        found = ctx.client.find_vouchers(redeem_code=data.redeem_code)
        if not found:
            raise NotFound("No voucher has that redeem code")
        voucher_id = str(found[0]["id"])
    try:
        return ctx.client.redeem_voucher(voucher_id, idempotency_key=ctx.key_for("redeem"), comment=data.comment)
    except NotFound:  # another location's voucher is answered as an unknown one (the client maps 7stamp's 403 to it)
        raise NotFound("No voucher with that voucher ID") from None


DEFINITION = ActionDefinition(
    key="redeem_voucher",
    kind="create",
    noun="Voucher redemption",
    label="Redeem Voucher",
    help_text="Marks a voucher as redeemed, found by its ID or the redeem code the customer shows. A voucher can be redeemed once.",
    input_model=RedeemVoucherInput,
    output_fields=VOUCHER_OUTPUT,
    sample={**SAMPLE_VOUCHER, "status": "redeemed", "redeemed_at": "2026-05-12T10:00:00Z", "redeemed_via": "api"},
    perform=perform,
    destructive=True,
)
