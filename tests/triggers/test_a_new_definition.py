"""A new trigger is one definition: registered in a temporary registry, it reaches the routes, the catalog, the
OpenAPI document and every generated app with no other edit (the 15th definition beside the 13 events and ``any``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from chalicelib.api import openapi, routes
from chalicelib.contract import catalog, registry
from chalicelib.contract.definitions import TriggerDefinition
from platforms import export
from platforms.common import when
from platforms.make.generate import watch_label
from sandbox import DEMO_KEY_A

KEY = "points_converted"
LABEL = "Points Converted Into Stamps"


@pytest.fixture
def registry_with_a_new_trigger(monkeypatch: pytest.MonkeyPatch) -> Iterator[TriggerDefinition]:
    """The registry as if triggers/points_converted.py had been added (made from stamp_added's definition)."""
    base = registry.triggers()["stamp_added"]
    new = dataclasses.replace(base, key=KEY, label=LABEL, noun="Points Conversion", sample={**base.sample, "event": KEY})
    widened = {**registry.triggers(), KEY: new}
    monkeypatch.setattr(registry, "triggers", lambda: widened)
    catalog.catalog.cache_clear()
    yield new
    monkeypatch.undo()
    catalog.catalog.cache_clear()


def test_the_new_trigger_is_not_there_today() -> None:
    assert KEY not in registry.triggers()
    assert KEY not in {t["key"] for t in catalog.catalog()["triggers"]}


def test_a_new_trigger_reaches_the_catalog_openapi_and_every_app(registry_with_a_new_trigger: TriggerDefinition, tmp_path: Path) -> None:
    assert len(registry.triggers()) == 15
    assert KEY in {t["key"] for t in catalog.catalog()["triggers"]}
    document = openapi.document(routes.operations())
    assert KEY in document["components"]["schemas"]["HookRequest"]["properties"]["event"]["enum"]
    for platform in ("zapier", "make", "n8n", "powerautomate"):
        out = tmp_path / platform
        assert export.main(["--platform", platform, "--url", "https://connector.example.com/api", "--out", str(out)]) == 0
        text = "\n".join(p.read_text() for p in sorted(out.rglob("*")) if p.is_file() and p.suffix != ".png")
        assert KEY in text, platform
        # each platform words a trigger by its conventions: Make's "Watch ...", Power Automate's "When ..."
        worded = {"make": watch_label({"label": LABEL}), "powerautomate": when(LABEL)}.get(platform, LABEL)
        assert worded in text, platform


def test_a_new_trigger_is_served_by_the_routes(registry_with_a_new_trigger: TriggerDefinition, stack, tmp_path: Path) -> None:
    with stack.client(DEMO_KEY_A) as client:
        polled = client.get(f"/v1/triggers/{KEY}", params={"samples": "1"})
        assert polled.status_code == 200, polled.text
        assert polled.json()[0]["event"] == KEY and polled.json()[0]["sample"] is True
        hook = client.post("/v1/hooks", json={"event": KEY, "target_url": "http://127.0.0.1:65535/hook"})
        assert hook.status_code == 201, hook.text
        assert hook.json()["event"] == KEY
        assert client.get("/v1/triggers/points_convertedx").status_code == 404
