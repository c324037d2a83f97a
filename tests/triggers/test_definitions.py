"""The trigger definitions in ``triggers/`` agree with the 7stamp contract and with their own samples."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import contract_events
import pytest

from chalicelib.contract.definitions import TriggerDefinition
from chalicelib.contract.event_record import SampleRecord
from chalicelib.contract.registry import ANY_EVENT, event_names, triggers

CONTRACT_EVENTS = set(contract_events.CONTRACT_EVENTS)

TRIGGERS = triggers()
DEFINITIONS = [pytest.param(d, id=k) for k, d in TRIGGERS.items()]
_MISSING = object()


def resolve(record: Any, dotted: str) -> Any:
    """The value at a dotted path, or ``_MISSING`` when some segment is absent."""
    value = record
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return _MISSING
        value = value[part]
    return value


def test_every_contract_event_and_any_is_a_trigger() -> None:
    assert CONTRACT_EVENTS | {ANY_EVENT} <= set(TRIGGERS)
    assert CONTRACT_EVENTS <= set(event_names()) == set(TRIGGERS) - {ANY_EVENT}


@pytest.mark.parametrize("definition", DEFINITIONS)
def test_sample_is_a_valid_event_record(definition: TriggerDefinition) -> None:
    record = SampleRecord.model_validate(definition.sample)
    assert record.enriched is True, "samples show an enriched record"
    datetime.fromisoformat(record.timestamp)


@pytest.mark.parametrize("definition", DEFINITIONS)
def test_sample_event_matches_the_key(definition: TriggerDefinition) -> None:
    if definition.key == ANY_EVENT:
        assert definition.sample["event"] in CONTRACT_EVENTS
        assert definition.sample["id"] == "evt_sample_any"
    else:
        assert definition.sample["event"] == definition.key


def test_sample_ids_are_unique() -> None:
    ids = [d.sample["id"] for d in TRIGGERS.values()]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("definition", DEFINITIONS)
def test_output_fields_exist_in_the_sample(definition: TriggerDefinition) -> None:
    missing = [f.key for f in definition.output_fields if resolve(definition.sample, f.key) is _MISSING]
    assert not missing, f"output fields absent from the sample: {missing}"


@pytest.mark.parametrize("definition", DEFINITIONS)
def test_output_field_keys_are_unique(definition: TriggerDefinition) -> None:
    keys = [f.key for f in definition.output_fields]
    assert len(keys) == len(set(keys)), f"repeated output fields in {definition.key}"


@pytest.mark.parametrize("definition", DEFINITIONS)
def test_output_field_types_match_the_sample(definition: TriggerDefinition) -> None:
    checks = {
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "datetime": lambda v: isinstance(v, str) and datetime.fromisoformat(v) is not None,
        "array": lambda v: isinstance(v, list),
        "object": lambda v: isinstance(v, dict),
    }
    wrong = []
    for field in definition.output_fields:
        value = resolve(definition.sample, field.key)
        if value is _MISSING or value is None:  # absence is the previous test's concern; null is allowed
            continue
        if not checks[field.type](value):
            wrong.append((field.key, field.type, value))
    assert not wrong, f"sample values of the wrong type: {wrong}"


@pytest.mark.parametrize("definition", DEFINITIONS)
def test_filters_point_into_the_sample(definition: TriggerDefinition) -> None:
    for flt in definition.filters:
        value = resolve(definition.sample, flt.path)
        assert value is not _MISSING, f"filter {flt.key}: {flt.path} absent from the sample"
        if flt.choices:
            assert value in flt.choices, f"filter {flt.key}: sample value {value!r} not among {flt.choices}"


@pytest.mark.parametrize("definition", DEFINITIONS)
def test_filter_keys_are_unique(definition: TriggerDefinition) -> None:
    keys = [f.key for f in definition.filters]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("definition", [p for p in DEFINITIONS if p.id != ANY_EVENT])
def test_every_event_filters_by_card_template(definition: TriggerDefinition) -> None:
    paths = {f.key: f.path for f in definition.filters}
    assert paths.get("card_template_id") == "card.template_id"


def test_any_filters_by_the_contract_events() -> None:
    from chalicelib.contract.event_filters import choices

    (flt,) = TRIGGERS[ANY_EVENT].filters
    assert flt.path == "event"
    assert set(choices(flt)) == CONTRACT_EVENTS
    assert len(choices(flt)) == len(CONTRACT_EVENTS)


def test_labels_are_unique() -> None:
    labels = [d.label.casefold() for d in TRIGGERS.values()]
    assert len(labels) == len(set(labels))


@pytest.mark.parametrize("definition", DEFINITIONS)
def test_help_text_starts_with_triggers_when(definition: TriggerDefinition) -> None:
    assert definition.help_text.startswith("Triggers when ")


def test_aliases_do_not_collide() -> None:
    canonical = set(TRIGGERS)
    seen: dict[str, str] = {}
    for key, definition in TRIGGERS.items():
        for alias in definition.aliases:
            assert alias not in canonical, f"{key}: alias {alias!r} is a canonical name"
            assert alias not in seen, f"alias {alias!r} used by both {seen[alias]} and {key}"
            seen[alias] = key


def test_manual_aliases_are_kept() -> None:
    assert "kartu_diterbitkan" in TRIGGERS["card_issued"].aliases
    assert "스탬프_added" in TRIGGERS["stamp_added"].aliases
    assert "voucher_ditebus" in TRIGGERS["voucher_redeemed"].aliases
