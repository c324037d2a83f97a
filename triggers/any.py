"""Any 7stamp event, including event names 7stamp adds after the 13 known ones."""

from __future__ import annotations

from chalicelib.contract.definitions import Filter, OutputField, TriggerDefinition
from triggers._event_parts import CARD_FIELDS, EVENT_FIELDS, sample_event

DEFINITION = TriggerDefinition(
    key="any",
    noun="Event",
    label="Any Event",
    help_text=(
        "Triggers when anything happens on your loyalty cards, including kinds of events added later. "
        "Pick the events you want with the Event filter, or keep a complete activity log."
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
        Filter("event", "Event", "event", help="Leave empty to receive every event, including kinds added later."),
    ),
)
