"""The one error tree (chalicelib/errors.py): each class where its docstring's tree puts it, with that status, and one body shape.

Named ``_unit`` because tests/api/test_errors.py (the HTTP answers) holds the plain name.
"""

from __future__ import annotations

import re

import pytest

from chalicelib import errors
from chalicelib.errors import ConnectorError, RateLimited, ValidationFailed

_ROW = re.compile(r"^(?P<lead>[│├└─ ]*)(?P<name>[A-Z][A-Za-z]+)\s+(?P<status>\d{3})?")


def documented() -> list[tuple[str, int | None, str | None]]:
    """(class, status, parent) for each row of the module docstring's tree, read by indentation."""
    rows: list[tuple[str, int | None, str | None]] = []
    stack: list[tuple[int, str]] = []
    for line in (errors.__doc__ or "").splitlines():
        match = _ROW.match(line)
        if not match or not hasattr(errors, match["name"]):
            continue
        depth = len(match["lead"])
        while stack and stack[-1][0] >= depth:
            stack.pop()
        parent = stack[-1][1] if stack and depth > stack[-1][0] else None
        rows.append((match["name"], int(match["status"]) if match["status"] else None, parent))
        stack.append((depth, match["name"]))
    return rows


def test_the_docstrings_tree_names_every_error_class() -> None:
    classes = {n for n, v in vars(errors).items() if isinstance(v, type) and issubclass(v, Exception) and v.__module__ == errors.__name__}
    assert {name for name, _, _ in documented()} == classes


@pytest.mark.parametrize(("name", "status", "parent"), documented())
def test_each_error_has_its_documented_status_and_parent(name: str, status: int | None, parent: str | None) -> None:
    cls = getattr(errors, name)
    if parent is not None:
        assert cls.__bases__ == (getattr(errors, parent),)
    if status is not None:
        assert issubclass(cls, ConnectorError) and cls.status == status


def test_the_tree_has_its_root_and_leaves() -> None:
    rows = {name: parent for name, _, parent in documented()}
    assert rows["ConnectorError"] is None and rows["NotFound"] == "ConnectorError" and rows["ItemTooLarge"] == "PayloadTooLarge"


def test_every_callers_error_has_its_own_code() -> None:
    classes = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, ConnectorError) and c is not ConnectorError]
    own = [c for c in classes if "code" in vars(c)]
    assert len({c.code for c in own}) == len(own)
    assert all(re.fullmatch(r"[a-z_]+", c.code) for c in own)


def test_the_body_names_code_and_message_and_fields_only_when_given() -> None:
    assert ConnectorError("boom").body() == {"error": {"code": "internal", "message": "boom"}}
    bad = ValidationFailed("Check the fields", fields={"phone": "is not a phone number"})
    expected = {"code": "validation_error", "message": "Check the fields", "fields": {"phone": "is not a phone number"}}
    assert bad.body() == {"error": expected}


def test_a_code_given_replaces_the_classs_on_that_error_only() -> None:
    conflict = errors.Conflict("Already redeemed", code="already_redeemed")
    assert (conflict.status, conflict.code, conflict.body()["error"]["code"]) == (409, "already_redeemed", "already_redeemed")
    assert errors.Conflict("other").code == "conflict"


@pytest.mark.parametrize(("given", "expected"), [(30, 30), (1, 1), (0, 1), (-5, 1)])
def test_rate_limited_always_asks_for_at_least_a_second(given: int, expected: int) -> None:
    limited = RateLimited("Slow down", retry_after=given)
    assert limited.retry_after == expected
    assert limited.headers == {"Retry-After": str(expected)}
    assert limited.status == 429


def test_mcp_protocol_error_keeps_its_json_rpc_parts() -> None:
    failure = errors.McpProtocolError(-32602, "Invalid params", {"field": "name"})
    assert (failure.code, failure.message, failure.data) == (-32602, "Invalid params", {"field": "name"})
