from __future__ import annotations

import pytest

from chalicelib.errors import SettingsError
from chalicelib.settings import load


def test_defaults_follow_the_design_card():
    s = load({})
    assert (s.connector_port, s.sandbox_port, s.moto_port) == (8000, 8001, 5000)
    assert s.sevenstamp_api_url == "http://127.0.0.1:8001"
    assert s.public_url == "http://127.0.0.1:8000"
    assert s.allow_private_targets is False
    assert s.delivery_concurrency == 32 and s.delivery_timeout_seconds == 15


def test_urls_follow_the_ports():
    s = load({"CONNECTOR_PORT": "9000", "SANDBOX_PORT": "9001"})
    assert s.public_url == "http://127.0.0.1:9000" and s.sevenstamp_api_url == "http://127.0.0.1:9001"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CONNECTOR_PORT", "eighty"),
        ("CONNECTOR_PORT", "70000"),
        ("SEVENSTAMP_API_URL", "ftp://x"),
        ("CONNECTOR_ALLOW_PRIVATE_TARGETS", "maybe"),
        ("DELIVERY_CONCURRENCY", "0"),
        ("DEFAULT_PHONE_REGION", "Germany"),
        ("EVENTS_TABLE", "bad name!"),
        ("DELIVERY_TIMEOUT_SECONDS", "60"),
        ("CONNECTOR_ALLOWED_LOCATIONS", "loc_1,loc 2"),
        ("CONNECTOR_ALLOWED_BUSINESSES", "b_1;b_2"),
    ],
)
def test_a_bad_value_fails_naming_the_variable(name, value):
    with pytest.raises(SettingsError) as caught:
        load({name: value})
    assert name in str(caught.value)


def test_private_targets_can_never_be_allowed_on_lambda():
    assert load({"CONNECTOR_ALLOW_PRIVATE_TARGETS": "1"}).allow_private_targets is True
    with pytest.raises(SettingsError) as caught:
        load({"CONNECTOR_ALLOW_PRIVATE_TARGETS": "1", "AWS_LAMBDA_FUNCTION_NAME": "sevenstamp-connector-dev"})
    assert "CONNECTOR_ALLOW_PRIVATE_TARGETS" in str(caught.value)


def test_the_inbound_url_defaults_to_the_public_url_and_may_be_its_own():
    assert load({"CONNECTOR_PUBLIC_URL": "https://api.example.com/"}).inbound_url == "https://api.example.com"
    s = load({"CONNECTOR_PUBLIC_URL": "https://api.example.com", "CONNECTOR_INBOUND_URL": "https://abc.lambda-url.us-east-1.on.aws/"})
    assert s.inbound_url == "https://abc.lambda-url.us-east-1.on.aws" and s.public_url == "https://api.example.com"
    with pytest.raises(SettingsError) as caught:
        load({"CONNECTOR_INBOUND_URL": "abc.lambda-url"})
    assert "CONNECTOR_INBOUND_URL" in str(caught.value)


def test_allowed_ids_are_comma_separated_and_unset_means_every_id():
    s = load({"CONNECTOR_ALLOWED_LOCATIONS": " loc_45, loc_46 ,,", "CONNECTOR_ALLOWED_BUSINESSES": "b_123"})
    assert s.allowed_locations == {"loc_45", "loc_46"} and s.allowed_businesses == {"b_123"}
    assert load({}).allowed_locations == frozenset() == load({"CONNECTOR_ALLOWED_BUSINESSES": " "}).allowed_businesses


def test_every_setting_is_read_somewhere():
    """A setting nothing reads misleads whoever sets it (issue 23: DEDUP_DAYS was one)."""
    from dataclasses import fields
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    sources = [p for folder in ("chalicelib", "stack", "infra") for p in (root / folder).rglob("*.py") if p.name != "settings.py"]
    text = "\n".join(p.read_text(encoding="utf-8") for p in [*sources, root / "app.py"])
    unread = [f.name for f in fields(load({})) if f".{f.name}" not in text]
    assert unread == []
