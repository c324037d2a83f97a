"""No field list is written twice: a label changed in a definition changes the Zapier app and the Make app."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import Field

from actions.add_stamp import AddStampInput
from chalicelib import catalog, registry
from chalicelib.definitions import OutputField
from platforms import export

NEW_LABELS = ("Stamp Landed On Card", "Stamps credited by the POS", "Stamps to credit")


class RelabelledInput(AddStampInput):
    count: int = Field(1, ge=1, le=50, title="Stamps to credit", description="How many stamps to add (1-50).")


@pytest.fixture
def relabelled(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The registry as if triggers/stamp_added.py and actions/add_stamp.py had new labels."""
    trigger = registry.triggers()["stamp_added"]
    fields = tuple(OutputField(f.key, NEW_LABELS[1], f.type) if f.key == "stamp.count" else f for f in trigger.output_fields)
    triggers = {**registry.triggers(), "stamp_added": dataclasses.replace(trigger, label=NEW_LABELS[0], output_fields=fields)}
    actions = {**registry.actions(), "add_stamp": dataclasses.replace(registry.actions()["add_stamp"], input_model=RelabelledInput)}
    monkeypatch.setattr(registry, "triggers", lambda: triggers)
    monkeypatch.setattr(registry, "actions", lambda: actions)
    catalog.catalog.cache_clear()
    yield
    monkeypatch.undo()
    catalog.catalog.cache_clear()


def _export(platform: str, out: Path) -> str:
    assert export.main(["--platform", platform, "--url", "https://connector.example.com/api", "--out", str(out)]) == 0
    return "\n".join(p.read_text() for p in sorted(out.rglob("*")) if p.is_file())


def test_the_current_labels_are_not_the_new_ones(tmp_path: Path) -> None:
    for platform in ("zapier", "make"):
        text = _export(platform, tmp_path / platform)
        assert "Stamp Added" in text
        assert not [label for label in NEW_LABELS if label in text]


def test_a_relabelled_definition_changes_both_apps(relabelled: None, tmp_path: Path) -> None:
    zapier = tmp_path / "zapier"
    make = tmp_path / "make"
    zapier_text, make_text = _export("zapier", zapier), _export("make", make)
    for label in NEW_LABELS:
        assert label in zapier_text and label in make_text, label
    trigger_file = (zapier / "triggers" / "stamp_added.js").read_text()
    assert f'"label": "{NEW_LABELS[0]}"' in trigger_file and f'"label": "{NEW_LABELS[1]}"' in trigger_file
    assert f'"label": "{NEW_LABELS[2]}"' in (zapier / "creates" / "add_stamp.js").read_text()
    assert f'"label": "Watch {NEW_LABELS[0]}"' in (make / "makecomapp.json").read_text()
    assert f'"label": "{NEW_LABELS[2]}"' in (make / "modules" / "add-stamp" / "add-stamp.mappable-params.iml.json").read_text()
