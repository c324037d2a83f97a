"""The OpenAPI document is made of the models the routes validate with, and says what they accept."""

from __future__ import annotations

import pytest

from actions.add_stamp import AddStampInput
from chalicelib.api import models, openapi, routes
from chalicelib.api.hook_requests import HookRequest
from chalicelib.contract import input_types, limits, registry
from chalicelib.errors import ValidationFailed


def _schemas() -> dict:
    return openapi.document(routes.operations())["components"]["schemas"]


def test_the_response_and_request_schemas_are_the_models_own() -> None:
    schemas = _schemas()
    for model in (models.HookHealth, models.NewHook, models.Me, models.DeliveryRow, models.SampleDelivery, models.Received, models.Error):
        own = model.model_json_schema(ref_template="#/components/schemas/{model}")
        own.pop("$defs", None)
        assert schemas[model.__name__] == own, model.__name__
    assert {"disabled", "status", "connection"} <= set(schemas["HookHealth"]["required"])
    assert schemas["HookRequest"]["properties"]["event"]["enum"] == list(registry.triggers())
    assert schemas["HookRequest"]["properties"]["target_url"]["format"] == "target-url"


def test_exactly_one_identifier_is_in_the_schema_and_in_the_model() -> None:
    rule = _schemas()["AddStampInput"]["allOf"][0]["oneOf"]
    assert [branch["required"] for branch in rule] == [["email"], ["phone"], ["customer_id"], ["card_id"]]
    with pytest.raises(ValidationFailed) as caught:
        input_types.parse(AddStampInput, {"email": "ada@demo.example", "card_id": "card_demo_a"})
    assert {"email", "card_id"} <= set(caught.value.fields or {})
    assert input_types.parse(AddStampInput, {"email": None, "card_id": "card_demo_a"}).identifier() == ("card_id", "card_demo_a")


def test_limits_come_from_the_contract_module() -> None:
    document = openapi.document(routes.operations())
    [limit] = [p for p in document["paths"]["/v1/triggers/{event}"]["get"]["parameters"] if p["name"] == "limit"]
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"], limit["schema"]["default"]) == (
        limits.POLL_LIMIT_MIN,
        limits.POLL_LIMIT_MAX,
        limits.POLL_LIMIT_DEFAULT,
    )
    [key] = document["paths"]["/v1/actions/add-stamp"]["post"]["parameters"]
    assert key["schema"]["maxLength"] == limits.IDEMPOTENCY_KEY_MAX
    assert str(limits.MAX_BODY_BYTES // 1024) in document["paths"]["/v1/hooks"]["post"]["responses"]["413"]["description"]


def test_only_health_openapi_inbound_and_the_console_page_go_without_a_key() -> None:
    open_routes = {
        path for path, item in openapi.document(routes.operations())["paths"].items() for op in item.values() if op.get("security") == []
    }
    assert open_routes == {"/health", "/openapi.json", "/inbound/7stamp/{token}", "/console", "/console/{asset}"}


def test_the_hook_request_model_keeps_its_limits() -> None:
    schema = HookRequest.model_json_schema()
    assert schema["properties"]["target_url"]["maxLength"] == 2048
    assert schema["properties"]["event"]["enum"] == list(registry.triggers())
    with pytest.raises(ValidationFailed):
        input_types.parse(HookRequest, {"event": "stamp_added", "target_url": "https://a.example/" + "x" * 3000})


def test_national_phone_numbers_are_read_in_the_region_given() -> None:
    from actions.issue_card import IssueCardInput

    assert input_types.parse(IssueCardInput, {"phone": "020 7946 0958"}, phone_region="GB").phone == "+442079460958"  # type: ignore[attr-defined]
    assert input_types.parse(IssueCardInput, {"phone": "(202) 555-0143"}).phone == "+12025550143"  # type: ignore[attr-defined]
