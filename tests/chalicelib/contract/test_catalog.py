"""The catalog and the OpenAPI document are derived from the definitions, and the definitions hold together."""

from __future__ import annotations

import re

import pytest

from chalicelib.api import openapi, routes
from chalicelib.contract import catalog, registry
from chalicelib.contract.definitions import ActionDefinition


def value_at(record: dict, path: str) -> object:
    value: object = record
    for part in path.split("."):
        assert isinstance(value, dict) and part in value, path
        value = value[part]
    return value


@pytest.mark.parametrize("action", list(registry.actions().values()), ids=lambda a: a.key)
def test_every_action_sample_has_its_output_fields(action: ActionDefinition):
    for field in action.output_fields:
        value_at(dict(action.sample), field.key)
    assert action.help_text and action.label


def test_the_design_cards_actions_and_searches_exist():
    paths = {a.path for a in registry.actions().values()}
    assert {
        "/v1/actions/issue-card",
        "/v1/actions/add-stamp",
        "/v1/actions/create-voucher",
        "/v1/actions/redeem-voucher",
        "/v1/searches/customer",
        "/v1/searches/voucher",
    } <= paths


def test_action_inputs_follow_the_http_contract():
    fields = {a["key"]: {f["key"]: f for f in a["input_fields"]} for a in catalog.catalog()["actions"]}
    assert set(fields["issue_card"]) == {"email", "phone", "name", "birthday", "language", "template_id"}
    assert {"email", "phone", "customer_id", "card_id", "template_id", "count", "comment", "issue_card_if_missing"} <= set(
        fields["add_stamp"]
    )
    assert fields["add_stamp"]["count"]["default"] == 1 and fields["add_stamp"]["count"]["type"] == "integer"
    assert {"template_id", "title", "description", "redeem_code", "redeem_code_formats", "expires_at"} <= set(fields["create_voucher"])
    assert fields["create_voucher"]["redeem_code_formats"]["choices"] == ["text", "qr", "barcode"]
    assert fields["create_voucher"]["template_id"]["dynamic"] == "voucher-templates"
    assert set(fields["redeem_voucher"]) >= {"voucher_id", "redeem_code"}


def test_catalog_labels_come_from_the_definitions(monkeypatch):
    import dataclasses

    original = registry.triggers()["stamp_added"]
    changed = dict(registry.triggers(), stamp_added=dataclasses.replace(original, label="Stamp Collected"))
    monkeypatch.setattr(registry, "triggers", lambda: changed)
    catalog.catalog.cache_clear()
    try:
        labels = {t["key"]: t["label"] for t in catalog.catalog()["triggers"]}
        assert labels["stamp_added"] == "Stamp Collected"
    finally:
        catalog.catalog.cache_clear()


def test_openapi_covers_every_route_of_the_app_and_every_action():
    import app

    document = openapi.document(routes.operations())
    assert document["openapi"].startswith("3.1")
    documented = set(document["paths"])
    for route in app.app.routes:
        if "{slug}" in route:
            continue
        assert route in documented, route
    for action in registry.actions().values():
        assert action.path in documented
    refs = re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', __import__("json").dumps(document))
    assert set(refs) <= set(document["components"]["schemas"])
