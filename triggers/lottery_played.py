"""A customer played a lottery on their card, and won or lost."""

from __future__ import annotations

from chalicelib.contract.definitions import Filter, OutputField, TriggerDefinition
from triggers._event_parts import CARD_FIELDS, CARD_TEMPLATE_FILTER, EVENT_FIELDS, sample_event

DEFINITION = TriggerDefinition(
    key="lottery_played",
    noun="Lottery play",
    label="Lottery Played",
    help_text=(
        "Triggers when a customer plays a lottery on their card, with the result: a win with its prize, or a loss. "
        "Use it to congratulate winners or console the others."
    ),
    sample=sample_event(
        "lottery_played",
        lottery={
            "id": "lot_spring",
            "result": "win",
            "prize": {"voucher_id": "v_777", "title": "Free muffin"},
        },
    ),
    output_fields=EVENT_FIELDS
    + CARD_FIELDS
    + (
        OutputField("lottery.id", "Lottery ID"),
        OutputField("lottery.result", "Lottery result"),
        OutputField("lottery.prize.voucher_id", "Prize voucher ID"),
        OutputField("lottery.prize.title", "Prize"),
    ),
    filters=(
        Filter(
            "lottery_result", "Lottery result", "lottery.result", ("win", "lose"), help="Only wins or only losses; leave empty for both."
        ),
        CARD_TEMPLATE_FILTER,
    ),
)
