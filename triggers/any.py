"""Any 7stamp event, including event names 7stamp adds after the 13 known ones."""

from __future__ import annotations

from chalicelib.contract.definitions import Filter, OutputField, TriggerDefinition
from triggers._event_parts import CARD_FIELDS, EVENT_FIELDS, sample_event

DEFINITION = TriggerDefinition(
    key="any",
    noun="Event",
    label="Any Event",
    help_text=(
        "Triggers when anything happens on your loyalty cards: every 7stamp event, including "
        "new kinds 7stamp may add later. Use it to keep a complete activity log in a "
        "spreadsheet, or pick just the events you want with the Event filter."
    ),
    sample=sample_event(
        "stamp_added",
        id="evt_sample_any",
        stamp={"count": 1, "comment": "POS check #1042"},
    ),
    output_fields=EVENT_FIELDS
    + CARD_FIELDS
    + (
        OutputField("stamp.count", "Stamps added (stamp events)", "integer"),
        OutputField("stamp.comment", "Stamp comment (stamp events)"),
    ),
    filters=(
        # its choices are the event names of the registry (see event_filters.choices)
        Filter("event", "Event", "event", help="Leave empty to receive every event, including ones 7stamp adds later."),
    ),
)
