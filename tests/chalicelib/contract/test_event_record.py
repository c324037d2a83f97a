"""The event record's shape (contract/event_record.py): what intake relies on of 7stamp's body, and what passes through."""

from __future__ import annotations

import pytest

from chalicelib.contract.event_record import EventRecord, InboundEvent
from chalicelib.contract.input_types import parse
from chalicelib.contract.limits import EVENT_NAME_MAX
from chalicelib.errors import ValidationFailed


def test_an_inbound_body_needs_an_event_name_and_a_location_and_keeps_the_rest() -> None:
    parsed = parse(InboundEvent, {"event": "stamp_added", "location_id": "loc_a", "card": {"id": "c"}, "n": 1})
    assert parsed.model_dump() == {"event": "stamp_added", "location_id": "loc_a", "card": {"id": "c"}, "n": 1}


@pytest.mark.parametrize(
    "body",
    [
        {"location_id": "loc_a"},
        {"event": "stamp_added"},
        {"event": "", "location_id": "loc_a"},
        {"event": "e" * (EVENT_NAME_MAX + 1), "location_id": "loc_a"},
        {"event": 5, "location_id": "loc_a"},
        {"event": "stamp_added", "location_id": ["loc_a"]},
        {"event": "stamp_added", "location_id": "l" * 101},
    ],
)
def test_a_body_without_a_usable_name_or_location_is_refused_naming_it(body: dict) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse(InboundEvent, body)
    assert set(refused.value.fields) <= {"event", "location_id"}


def test_a_records_guaranteed_fields_are_in_the_schema_and_others_pass() -> None:
    schema = EventRecord.model_json_schema()
    assert set(schema["required"]) == {"id", "event", "location_id", "enriched"}
    assert schema.get("additionalProperties", True) is not False
