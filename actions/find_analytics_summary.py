"""Counts over a period, for scheduled reports (cards issued, stamps, vouchers redeemed...)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from chalicelib.contract.definitions import ActionContext, ActionDefinition, OutputField
from chalicelib.contract.input_types import Day, Input

COUNTS = ("cards_issued", "cards_saved", "stamps_added", "goals_reached", "vouchers_issued", "vouchers_redeemed")


class AnalyticsInput(Input):
    date_from: Day = Field(alias="from", title="From", description="First day of the period, YYYY-MM-DD.")
    date_to: Day = Field(alias="to", title="To", description="Last day of the period, YYYY-MM-DD (given before 'from', the two swap).")

    @model_validator(mode="after")
    def _ordered(self) -> AnalyticsInput:
        """Two days are a period whichever comes first: refusing the reversed order is not a rule a schema can state."""
        if self.date_from > self.date_to:
            self.date_from, self.date_to = self.date_to, self.date_from
        return self


def perform(ctx: ActionContext, data: AnalyticsInput) -> list[dict[str, Any]]:
    summary = ctx.client.analytics_summary(data.date_from, data.date_to)
    return [{"id": f"{data.date_from}..{data.date_to}", "from": data.date_from, "to": data.date_to, **summary}]


DEFINITION = ActionDefinition(
    key="find_analytics_summary",
    kind="search",
    noun="Analytics summary",
    label="Get Analytics Summary",
    help_text="Counts cards issued and saved, stamps, goals and vouchers over a period, for a weekly or monthly report.",
    input_model=AnalyticsInput,
    output_fields=(OutputField("from", "From"), OutputField("to", "To"))
    + tuple(OutputField(c, c.replace("_", " ").capitalize(), "integer") for c in COUNTS),
    sample={"id": "2026-05-01..2026-05-31", "from": "2026-05-01", "to": "2026-05-31", **{c: 12 for c in COUNTS}},
    perform=perform,
)
