"""Input types shared by the action models, and pydantic errors turned into words a marketer understands."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationError, WithJsonSchema, model_validator
from pydantic_core.core_schema import ValidationInfo

from chalicelib.contract.limits import EVENT_ID_PATTERN, EVENT_ID_RE
from chalicelib.errors import ValidationFailed

# White space as Python's str.strip() (and so 7stamp) sees it, spelt out: regex engines disagree on \s.
WHITE_SPACE = "\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_EMAIL_RE = re.compile(
    "^[^@" + WHITE_SPACE + r"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)

# Each type's pattern or format is in its JSON schema and checked by its validator, so what the
# OpenAPI document calls valid is what the route accepts. Two formats are this contract's own, as
# they say more than a pattern can: "phone", a number valid in its country (E.164, or national in
# DEFAULT_PHONE_REGION, shaped as PHONE_PATTERN), and "future-date-time", a date-time after now.
EMAIL_PATTERN = _EMAIL_RE.pattern
PHONE_PATTERN = r"^\+?\(?[0-9][0-9 ().-]{3,28}[0-9]$"
DAY_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
# Free text must show something: 7stamp refuses text that is only white space.
VISIBLE = "[^" + WHITE_SPACE + "]"
# A 7stamp id becomes a segment of a 7stamp URL path: no slash or backslash, and not only dots, as
# "." and ".." are path segments that would walk the path (issue 23: voucher_id ".." called /v1/redeem).
SEVENSTAMP_ID = "^[^/\\\\]*[^./\\\\" + WHITE_SPACE + "][^/\\\\]*$"
PHONE_REGION = "phone_region"  # the validation context's key for DEFAULT_PHONE_REGION
MOMENT_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$"  # RFC 3339


def _email(value: str) -> str:
    if not _EMAIL_RE.fullmatch(value) or len(value) > 254:
        raise ValueError("is not a valid email address, e.g. jane@example.com")
    return value.lower()


_PHONE_HELP = "use the international form, e.g. +15555550123 (in a link or query string, write the + as %2B)"


def _phone(value: str, info: ValidationInfo) -> str:
    """E.164, reading national numbers in the region ``parse`` was given (the settings' DEFAULT_PHONE_REGION).

    A query string turns an unencoded ``+`` into a space (``?phone=+14155550199``), so a
    leading space before digits is read as the ``+`` it was meant to be.
    """
    import phonenumbers  # heavy metadata: imported only when a phone number is given

    if value[:1] == " " and value.lstrip()[:1].isdigit():
        value = "+" + value.lstrip()
    if not re.fullmatch(PHONE_PATTERN, value):
        raise ValueError(f"is not a phone number; {_PHONE_HELP}")
    try:
        number = phonenumbers.parse(value, (info.context or {}).get(PHONE_REGION, "US"))
    except phonenumbers.NumberParseException:
        raise ValueError(f"is not a phone number; {_PHONE_HELP}") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"is not a valid phone number; {_PHONE_HELP}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _day(value: str) -> str:
    if not re.fullmatch(DAY_PATTERN, value):
        raise ValueError("must be a date like 1990-05-11")
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValueError("must be a date like 1990-05-11") from None


def utc_time(value: str) -> str:
    """An RFC 3339 time with its zone, as UTC ``...Z``."""
    if not re.fullmatch(MOMENT_PATTERN, value):
        raise ValueError("must be a date and time like 2026-12-31T23:59:59Z")
    text = re.sub(r"(\.[0-9]{6})[0-9]+", r"\1", value.upper().replace("Z", "+00:00"))  # Python reads at most 6 digits of a second
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("must be a date and time like 2026-12-31T23:59:59Z") from None
    if parsed.tzinfo is None:
        raise ValueError("must include a time zone, e.g. 2026-12-31T23:59:59Z")
    try:
        utc = parsed.astimezone(UTC)
    except OverflowError:
        raise ValueError("is out of range") from None
    return f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}Z"


def _whole_number(value: Any) -> Any:
    """Query strings must be ASCII digits: ``str.isdigit`` and ``int`` also take "²" or "١٠", or "+5" and " 5"."""
    if isinstance(value, str):
        if not re.fullmatch(r"[0-9]{1,9}", value):
            raise ValueError("must be a whole number")
        return int(value)
    return value


def _future(value: str) -> str:
    if value <= datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"):
        raise ValueError("must be in the future")
    return value


def _integral(value: Any) -> Any:
    """JSON Schema counts 9.0 as an integer; so does the contract (and nothing else that is not an int)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _event_id(value: str) -> str:
    if not EVENT_ID_RE.fullmatch(value):
        raise ValueError("is not an event id from this connector (evt_...)")
    return value


@dataclass(frozen=True)
class Rule:
    """A rule over several fields: ``exactly`` one of them, or ``at_least`` one, must be given (not null)."""

    kind: Literal["exactly", "at_least"]
    names: tuple[str, ...]
    message: str

    def schema(self) -> dict[str, Any]:
        """The rule in JSON schema: a field counts as given when it is present as a string."""
        branches = [{"required": [name], "properties": {name: {"type": "string"}}} for name in self.names]
        return {"oneOf" if self.kind == "exactly" else "anyOf": branches}

    def holds(self, model: BaseModel) -> bool:
        given = sum(getattr(model, name) is not None for name in self.names)
        return given == 1 if self.kind == "exactly" else given >= 1


def _rules(model: type[BaseModel]) -> list[Rule]:
    return [rule for klass in reversed(model.__mro__) for rule in vars(klass).get("RULES", ())]


def _rules_schema(schema: dict[str, Any], model: type[BaseModel]) -> None:
    rules = _rules(model)
    if rules:
        schema["allOf"] = [rule.schema() for rule in rules]


class Input(BaseModel):
    """Base of every input model: unknown fields are an error, not silently dropped.

    Strict, so that what the OpenAPI document calls invalid is refused ("5" is not a
    number, 1 is not true). A model's ``RULES`` are checked here and written into its
    JSON schema from the same objects.
    """

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra=_rules_schema)
    RULES: ClassVar[tuple[Rule, ...]] = ()

    @model_validator(mode="after")
    def _check_rules(self) -> Self:
        for rule in _rules(type(self)):
            if not rule.holds(self):
                raise ValidationFailed(rule.message, fields={name: rule.message for name in rule.names})
        return self


Email = Annotated[str, AfterValidator(_email), WithJsonSchema({"type": "string", "pattern": EMAIL_PATTERN, "maxLength": 254})]
Phone = Annotated[str, AfterValidator(_phone), WithJsonSchema({"type": "string", "format": "phone"})]
Day = Annotated[str, AfterValidator(_day), WithJsonSchema({"type": "string", "format": "date"})]
Moment = Annotated[str, AfterValidator(utc_time), WithJsonSchema({"type": "string", "format": "date-time"})]
WholeNumber = Annotated[int, BeforeValidator(_whole_number)]
Integer = Annotated[int, BeforeValidator(_integral)]
# "future-date-time" is this contract's format: a date-time later than now (a voucher cannot expire in the past).
FutureMoment = Annotated[
    str, AfterValidator(utc_time), AfterValidator(_future), WithJsonSchema({"type": "string", "format": "future-date-time"})
]
EventId = Annotated[str, AfterValidator(_event_id), WithJsonSchema({"type": "string", "pattern": EVENT_ID_PATTERN})]


def readable(error: dict[str, Any]) -> str:
    """One pydantic error as a sentence."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a field of this action"
    if kind == "value_error":
        return str(ctx.get("error", error.get("msg", "is not valid")))
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return error.get("msg", "is out of range").replace("Input should be", "must be")
    if kind in ("string_too_long", "string_too_short", "too_long", "too_short"):
        return error.get("msg", "has the wrong length").replace("String should have", "must have").replace("List should have", "must have")
    if kind.startswith("int") or kind.startswith("float"):
        return "must be a whole number"
    if kind.startswith("bool"):
        return "must be true or false"
    if kind == "literal_error" or kind == "enum":
        return error.get("msg", "is not one of the allowed values").replace("Input should be", "must be")
    if kind == "string_pattern_mismatch":
        if ctx.get("pattern") == SEVENSTAMP_ID:
            return "must be a 7stamp id: no slash or backslash, and not only dots"
        return "must not be blank" if ctx.get("pattern") == VISIBLE else "is not in the expected format"
    if kind.startswith("string"):
        return "must be text"
    return str(error.get("msg", "is not valid"))


def parse(model: type[BaseModel], data: dict[str, Any], *, phone_region: str = "US") -> BaseModel:
    """Validate input; every bad field is named in a 422. National phone numbers are read in ``phone_region``."""
    try:
        return model.model_validate(data, context={PHONE_REGION: phone_region})
    except ValidationError as exc:
        fields: dict[str, str] = {}
        for error in exc.errors():
            name = ".".join(str(p) for p in error.get("loc", ())) or "input"
            fields.setdefault(name, readable(dict(error)))
        summary = "; ".join(f"{k} {v}" for k, v in fields.items())
        raise ValidationFailed(f"Please check these fields: {summary}", fields=fields) from None
