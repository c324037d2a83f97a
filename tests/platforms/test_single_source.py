"""No field list is written twice: a label or a field's help changed in a definition changes all four apps (Zapier, Make, n8n, PA)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import Field

from actions.add_stamp import AddStampInput
from chalicelib.contract import catalog, registry
from chalicelib.contract.definitions import OutputField
from platforms import export
from platforms.common import when
from platforms.make.generate import watch_label

NEW_LABELS = ("Stamp Landed On Card", "Stamps credited by the POS", "Stamps to credit")
NEW_HELP = "How many stamps the till credits for this order (1-50)."


class RelabelledInput(AddStampInput):
    count: int = Field(1, ge=1, le=50, title="Stamps to credit", description=NEW_HELP)


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
    return "\n".join(p.read_text() for p in sorted(out.rglob("*")) if p.is_file() and p.suffix != ".png")


PLATFORMS = ("zapier", "make", "n8n", "powerautomate")


def test_the_current_labels_are_not_the_new_ones(tmp_path: Path) -> None:
    for platform in PLATFORMS:
        text = _export(platform, tmp_path / platform)
        assert "Stamp Added" in text or "stamps added" in text or "a stamp is added" in text, platform
        assert not [label for label in (*NEW_LABELS, NEW_HELP) if label in text]


def test_a_relabelled_definition_changes_all_four_apps(relabelled: None, tmp_path: Path) -> None:
    zapier, make, n8n, powerautomate = (tmp_path / p for p in PLATFORMS)
    texts = {platform: _export(platform, tmp_path / platform) for platform in PLATFORMS}
    # Each platform words a trigger's label by its own conventions (Make's "Watch stamps ...", Power
    # Automate's "When a stamp is ..."); n8n's nodes declare no output fields (a node's output is the
    # record as it came), so an output field's label (NEW_LABELS[1]) has nowhere to go there.
    trigger_label = {
        "zapier": NEW_LABELS[0],
        "make": watch_label({"label": NEW_LABELS[0]}),
        "n8n": NEW_LABELS[0],
        "powerautomate": when(NEW_LABELS[0]),
    }
    for platform in PLATFORMS:
        wanted = [trigger_label[platform], NEW_LABELS[2], NEW_HELP] + ([NEW_LABELS[1]] if platform != "n8n" else [])
        assert [label for label in wanted if label not in texts[platform]] == [], platform
    trigger_file = (zapier / "triggers" / "stamp_added.js").read_text()
    assert f'"label": "{NEW_LABELS[0]}"' in trigger_file and f'"label": "{NEW_LABELS[1]}"' in trigger_file
    assert f'"label": "{NEW_LABELS[2]}"' in (zapier / "creates" / "add_stamp.js").read_text()
    assert f'"helpText": "{NEW_HELP}"' in (zapier / "creates" / "add_stamp.js").read_text()
    assert f'"label": "{watch_label({"label": NEW_LABELS[0]})}"' in (make / "makecomapp.json").read_text()
    params = json.loads((make / "modules" / "add-stamp" / "add-stamp.mappable-params.iml.json").read_text())
    [count] = [p for p in params if p["name"] == "count"]
    assert (count["label"], count["help"]) == (NEW_LABELS[2], NEW_HELP)
    shipped = json.loads((n8n / "nodes" / "shared" / "catalog.json").read_text())
    [trigger] = [t for t in shipped["triggers"] if t["key"] == "stamp_added"]
    [add_stamp] = [a for a in shipped["actions"] if a["key"] == "add_stamp"]
    assert trigger["label"] == NEW_LABELS[0] and (NEW_LABELS[2], NEW_HELP) in [(f["label"], f["help"]) for f in add_stamp["inputs"]]
    swagger = json.loads((powerautomate / "apiDefinition.swagger.json").read_text())
    assert swagger["paths"]["/v1/hooks/subscribe/stamp_added"]["post"]["summary"] == "When a stamp is landed on card"
    assert swagger["definitions"]["StampAddedEvent"]["properties"]["stamp"]["properties"]["count"]["x-ms-summary"] == NEW_LABELS[1]
    count = swagger["paths"]["/v1/actions/add-stamp"]["post"]["parameters"][0]["schema"]["properties"]["count"]
    assert (count["x-ms-summary"], count["description"]) == (NEW_LABELS[2], NEW_HELP)
