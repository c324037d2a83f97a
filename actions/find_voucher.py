"""Find a voucher by its redeem code or id, e.g. to check it before redeeming."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from actions._action_parts import SAMPLE_VOUCHER, VOUCHER_OUTPUT
from chalicelib.contract.definitions import ActionContext, ActionDefinition
from chalicelib.contract.input_types import SEVENSTAMP_ID, VISIBLE, Input, Rule
from chalicelib.errors import NotFound


class FindVoucherInput(Input):
    RULES: ClassVar[tuple[Rule, ...]] = (Rule("exactly", ("redeem_code", "voucher_id"), "Give either the redeem code or the voucher ID"),)
    redeem_code: str | None = Field(
        None, title="Redeem code", description="The code the customer shows.", min_length=1, pattern=VISIBLE, max_length=64
    )
    voucher_id: str | None = Field(
        None, title="Voucher ID", description="The voucher's id (v_...).", min_length=1, pattern=SEVENSTAMP_ID, max_length=100
    )


def perform(ctx: ActionContext, data: FindVoucherInput) -> list[dict[str, Any]]:
    if data.voucher_id:
        try:
            return [ctx.client.get_voucher(data.voucher_id)]
        except NotFound:  # another location's voucher is as unknown as none (the client maps 7stamp's 403 to it)
            return []
    return ctx.client.find_vouchers(redeem_code=data.redeem_code)


DEFINITION = ActionDefinition(
    key="find_voucher",
    kind="search",
    noun="Voucher",
    label="Find Voucher",
    help_text="Finds a voucher by the redeem code the customer shows or by its ID, with its status and expiry.",
    input_model=FindVoucherInput,
    output_fields=VOUCHER_OUTPUT,
    sample=SAMPLE_VOUCHER,
    perform=perform,
)
