"""Find a voucher by its redeem code or id, e.g. to check it before redeeming."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from actions._shared import SAMPLE_VOUCHER, VOUCHER_OUTPUT
from chalicelib.definitions import ActionDefinition
from chalicelib.errors import NotFound
from chalicelib.fields import Input
from chalicelib.runtime import ActionContext


class FindVoucherInput(Input):
    redeem_code: str | None = Field(None, title="Redeem code", max_length=64)
    voucher_id: str | None = Field(None, title="Voucher ID", max_length=100)

    @model_validator(mode="after")
    def _one(self) -> FindVoucherInput:
        if bool(self.voucher_id) == bool(self.redeem_code):
            raise ValueError("Give either the redeem code or the voucher ID")
        return self


def perform(ctx: ActionContext, data: FindVoucherInput) -> list[dict[str, Any]]:
    if data.voucher_id:
        try:
            return [ctx.client.get_voucher(data.voucher_id)]
        except NotFound:
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
