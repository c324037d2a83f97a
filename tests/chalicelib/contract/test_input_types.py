"""The action inputs' shared types: each accepts what its JSON schema calls valid, refuses the rest, and names the field in words.

The HTTP contract's promise is that the OpenAPI document and the route agree, so each check here
holds the validator against the pattern or format its schema publishes.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, ClassVar

import pytest
from pydantic import Field

from chalicelib.contract import input_types as t
from chalicelib.contract.limits import EVENT_ID_PATTERN
from chalicelib.errors import ValidationFailed


class Form(t.Input):
    email: t.Email | None = None
    phone: t.Phone | None = None
    day: t.Day | None = None
    moment: t.Moment | None = None
    later: t.FutureMoment | None = None
    count: t.WholeNumber | None = None
    integer: t.Integer | None = None
    event_id: t.EventId | None = None
    voucher_id: Annotated[str, Field(pattern=t.SEVENSTAMP_ID)] | None = None
    note: Annotated[str, Field(pattern=t.VISIBLE, max_length=5)] | None = None
    flag: bool | None = None


class OneOf(t.Input):
    RULES: ClassVar[tuple[t.Rule, ...]] = (t.Rule("exactly", ("email", "phone"), "give an email or a phone, not both"),)
    email: str | None = None
    phone: str | None = None


class AnyOf(t.Input):
    RULES: ClassVar[tuple[t.Rule, ...]] = (t.Rule("at_least", ("a", "b"), "give a or b"),)
    a: str | None = None
    b: str | None = None


def refusal(data: dict[str, Any], model: type[t.Input] = Form) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as failed:
        t.parse(model, data)
    assert failed.value.status == 422 and failed.value.fields
    if not model.RULES:  # a rule's message is its own; a field's goes in the summary
        for name, reason in failed.value.fields.items():
            assert f"{name} {reason}" in failed.value.message
    return failed.value.fields


EMAILS = ["jane@example.com", "J.Doe+tag@Mail.Example.co.uk", "a@b.co", "x" * 64 + "@example.com"]
NOT_EMAILS = [
    "",
    "jane",
    "jane@",
    "@example.com",
    "jane@example",
    "ja ne@example.com",
    "jane@-example.com",
    "x" * 65 + "@example.com",
    "jane@exa_mple.com",
    "jane@@example.com",
    "jane\u00a0@example.com",
    "a@" + "b" * 64 + ".com",
]


@pytest.mark.parametrize("email", EMAILS)
def test_an_email_matching_the_published_pattern_is_accepted_in_lower_case(email: str) -> None:
    assert re.fullmatch(t.EMAIL_PATTERN, email)
    assert t.parse(Form, {"email": email}).email == email.lower()  # type: ignore[attr-defined]


@pytest.mark.parametrize("email", NOT_EMAILS)
def test_an_email_the_pattern_refuses_is_refused_with_its_field_named(email: str) -> None:
    assert not re.fullmatch(t.EMAIL_PATTERN, email)
    assert set(refusal({"email": email})) == {"email"}


def test_an_email_over_254_characters_is_refused_as_its_schema_says() -> None:
    long = "a@" + ".".join(["b" * 60] * 5) + ".com"
    assert re.fullmatch(t.EMAIL_PATTERN, long) and len(long) > 254
    refusal({"email": long})


@pytest.mark.parametrize(
    ("given", "region", "e164"),
    [
        ("+1 415 555 0199", "US", "+14155550199"),
        ("(415) 555-0199", "US", "+14155550199"),
        (" 14155550199", "US", "+14155550199"),  # a query string's unencoded + became a space
        ("020 7946 0958", "GB", "+442079460958"),
        ("+44 20 7946 0958", "US", "+442079460958"),
    ],
)
def test_a_phone_number_is_read_in_its_region_and_given_back_in_e164(given: str, region: str, e164: str) -> None:
    assert t.parse(Form, {"phone": given}, phone_region=region).phone == e164  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "phone", ["", "12", "+1 555", "phone", "+1 415 555 0199 ext 2", "+999 999 999 999", "+1\n4155550199", "٤١٥٥٥٥٠١٩٩"]
)
def test_what_is_not_a_phone_number_says_how_to_write_one(phone: str) -> None:
    assert "+15555550123" in refusal({"phone": phone})["phone"]


@pytest.mark.parametrize("day", ["1990-05-11", "2024-02-29"])
def test_a_real_day_is_accepted(day: str) -> None:
    assert t.parse(Form, {"day": day}).day == day  # type: ignore[attr-defined]


@pytest.mark.parametrize("day", ["1990-5-11", "2023-02-29", "1990-13-01", "11/05/1990", "1990-05-11T00:00:00Z", "１９９０-05-11"])
def test_what_is_not_a_day_is_refused(day: str) -> None:
    assert refusal({"day": day}) == {"day": "must be a date like 1990-05-11"}


@pytest.mark.parametrize(
    ("given", "utc"),
    [
        ("2026-12-31T23:59:59Z", "2026-12-31T23:59:59Z"),
        ("2026-12-31t23:59:59z", "2026-12-31T23:59:59Z"),
        ("2027-01-01T01:30:00+02:00", "2026-12-31T23:30:00Z"),
        ("2026-12-31T23:59:59.123456789Z", "2026-12-31T23:59:59Z"),
    ],
)
def test_a_moment_is_given_back_in_utc(given: str, utc: str) -> None:
    assert t.utc_time(given) == utc


@pytest.mark.parametrize(
    "moment", ["2026-12-31", "2026-12-31T23:59:59", "2026-12-31 23:59:59Z", "2026-13-31T23:59:59Z", "9999-12-31T23:59:59-23:59", "now"]
)
def test_a_moment_without_zone_or_out_of_range_is_refused(moment: str) -> None:
    assert set(refusal({"moment": moment})) == {"moment"}


def test_a_future_moment_must_be_later_than_now() -> None:
    soon = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    past = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert t.parse(Form, {"later": soon}).later == soon  # type: ignore[attr-defined]
    assert refusal({"later": past}) == {"later": "must be in the future"}


@pytest.mark.parametrize(("given", "number"), [("0", 0), ("42", 42), ("999999999", 999_999_999), (7, 7)])
def test_a_whole_number_from_a_query_string_is_ascii_digits(given: object, number: int) -> None:
    assert t.parse(Form, {"count": given}).count == number  # type: ignore[attr-defined]


@pytest.mark.parametrize("given", ["", "+5", " 5", "5 ", "²", "١٠", "1e3", "1.0", "-1", "1234567890"])
def test_anything_else_is_not_a_whole_number(given: str) -> None:
    assert refusal({"count": given}) == {"count": "must be a whole number"}


def test_an_integer_takes_a_whole_float_as_json_schema_does_and_nothing_else_loose() -> None:
    assert t.parse(Form, {"integer": 9.0}).integer == 9  # type: ignore[attr-defined]
    for bad in (9.5, "9", True):
        assert set(refusal({"integer": bad})) == {"integer"}


def test_an_event_id_matches_the_contracts_pattern() -> None:
    assert t.parse(Form, {"event_id": "evt_1800000000000_ab12"}).event_id == "evt_1800000000000_ab12"  # type: ignore[attr-defined]
    for bad in ("evt_", "evt_abc_ab", "evt_1_a-b", "hook_1", "evt_1_" + "a" * 65):
        assert not re.fullmatch(EVENT_ID_PATTERN, bad)
        assert set(refusal({"event_id": bad})) == {"event_id"}


@pytest.mark.parametrize("given", ["v_1", "voucher.2024", "...x", "a b"])
def test_a_sevenstamp_id_may_hold_dots_but_is_a_single_path_segment(given: str) -> None:
    assert t.parse(Form, {"voucher_id": given}).voucher_id == given  # type: ignore[attr-defined]


@pytest.mark.parametrize("given", ["", ".", "..", "...", "a/b", "..\\x", "/", " ", ".. "])
def test_an_id_that_would_walk_a_7stamp_path_is_refused_in_words(given: str) -> None:
    assert refusal({"voucher_id": given}) == {"voucher_id": "must be a 7stamp id: no slash or backslash, and not only dots"}


@pytest.mark.parametrize("blank", ["", " ", "\t\n", "\u00a0", "\u3000"])
def test_blank_text_is_refused(blank: str) -> None:
    assert refusal({"note": blank}) == {"note": "must not be blank"}


def test_unknown_wrong_type_and_too_long_fields_are_each_named() -> None:
    fields = refusal({"nope": 1, "flag": 1, "note": "toolong"})
    assert fields["nope"] == "is not a field of this action"
    assert fields["flag"] == "must be true or false"
    assert fields["note"].startswith("must have")


def test_a_rule_of_exactly_one_field() -> None:
    assert t.parse(OneOf, {"email": "a"}).email == "a"  # type: ignore[attr-defined]
    for data in ({}, {"email": "a", "phone": "b"}):
        assert refusal(data, OneOf) == {"email": "give an email or a phone, not both", "phone": "give an email or a phone, not both"}


def test_a_rule_of_at_least_one_field() -> None:
    assert t.parse(AnyOf, {"a": "x", "b": "y"}).a == "x"  # type: ignore[attr-defined]
    assert set(refusal({}, AnyOf)) == {"a", "b"}


def test_rules_are_written_into_the_schema_from_the_same_objects() -> None:
    assert OneOf.model_json_schema()["allOf"] == [OneOf.RULES[0].schema()]
    assert list(OneOf.RULES[0].schema()) == ["oneOf"] and list(AnyOf.RULES[0].schema()) == ["anyOf"]
    assert "allOf" not in Form.model_json_schema()


def test_each_type_publishes_its_pattern_or_format() -> None:
    props = Form.model_json_schema()["properties"]

    def schema(name: str) -> dict[str, Any]:
        return next(s for s in props[name]["anyOf"] if s.get("type") == "string")

    assert schema("email") == {"type": "string", "pattern": t.EMAIL_PATTERN, "maxLength": 254}
    assert schema("phone")["format"] == "phone"
    assert schema("day")["format"] == "date"
    assert schema("moment")["format"] == "date-time"
    assert schema("later")["format"] == "future-date-time"
    assert schema("event_id")["pattern"] == EVENT_ID_PATTERN
