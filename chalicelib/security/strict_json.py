"""The one JSON reader for every request body: strict where Python's ``json`` is lenient.

``json.loads`` accepts ``NaN`` and ``Infinity`` (not JSON: a strict client cannot read
them back), recurses until a ``RecursionError`` on deep nesting, and keeps lone UTF-16
surrogates that no UTF-8 store can hold. Each of these is a 400 naming the problem,
raised before anything is stored.

Every check runs in time linear in the body's size, whatever the body holds (issue 23: the
old depth check's string pattern backtracked, and 30,000 escaped quotes took 10 s). The
brackets outside strings are found with byte replacements and one split, never a pattern
that can backtrack; their count and nesting are checked before the parser runs, so a body
packed with arrays is refused before it costs the parser anything.
"""

from __future__ import annotations

import json
import re
from typing import Any

from chalicelib.contract.limits import MAX_JSON_CONTAINERS, MAX_JSON_DEPTH
from chalicelib.errors import BadRequest

_TOO_DEEP = f"The body nests objects or arrays more than {MAX_JSON_DEPTH} levels deep"
_NOT_BRACKET_OR_QUOTE = bytes(c for c in range(256) if c not in b'"[]{}')
_SQUARE = bytes.maketrans(b"{}", b"[]")
# Where a lone surrogate can come from: a \uD800-\uDFFF escape, or one decoded from the raw
# bytes (json decodes with "surrogatepass"). Without either, no string needs checking.
_MAYBE_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]|[\ud800-\udfff]")


def _within_depth(depth: int) -> re.Pattern[bytes]:
    """Balanced brackets nested at most ``depth`` deep: a regular language, so one pattern, possessive, never backtracking."""
    pattern = b""
    for _ in range(depth):
        pattern = rb"(?:\[" + pattern + rb"\])*+"
    return re.compile(pattern)


# Leaf pairs ("[]") are removed before the pattern runs (one fast replacement), so it checks one level fewer.
_SHALLOW = _within_depth(MAX_JSON_DEPTH - 1)


def _brackets(text: str) -> bytes:
    """The brackets outside strings, braces written as square brackets, in one linear pass of each step.

    In JSON a backslash appears only inside strings, so removing escaped backslashes and then
    escaped quotes leaves exactly the strings' own quotes; every other string's brackets sit
    between a quote pair and fall in the odd pieces of the split. On a body that is not JSON
    the result is meaningless but still linear: the parser then names the problem.
    """
    raw = text.encode("utf-8", "surrogatepass").replace(b"\\\\", b"").replace(b'\\"', b"")
    return b"".join(raw.translate(_SQUARE, _NOT_BRACKET_OR_QUOTE).split(b'"')[::2])


def _refuse_constant(name: str) -> Any:
    raise BadRequest(f"The body contains {name}, which is not a JSON number; send a number or null")


def _check_text(value: Any) -> None:
    """Refuse lone surrogates (``"\\ud800"``): valid JSON escapes that are not text."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise BadRequest("The body contains an invalid unicode escape (a lone surrogate)") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            _check_text(item)
    elif isinstance(value, list):
        for item in value:
            _check_text(item)


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise BadRequest(f"The body contains the number {text[:20]}, too large to be read; send a smaller number")
    return value


def _parse(text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite)
    except RecursionError:
        raise BadRequest(_TOO_DEEP) from None
    except ValueError:
        raise BadRequest("The body is not valid JSON") from None


def loads(raw: bytes) -> Any:
    """Parse a body; 400 for anything that is not plain, finite, shallow JSON text."""
    try:
        text = raw.decode(json.detect_encoding(raw), "surrogatepass")
    except UnicodeDecodeError:
        raise BadRequest("The body is not valid JSON") from None
    brackets = _brackets(text)
    many = len(brackets) > 2 * MAX_JSON_CONTAINERS
    if _SHALLOW.fullmatch(brackets.replace(b"[]", b"")) is None:
        if not many:
            _parse(text)  # unbalanced brackets are not JSON: the parser says so; if it reads them, they nest too deep
        elif 2 * brackets.count(b"[") != len(brackets):
            raise BadRequest("The body is not valid JSON")  # more closing than opening brackets, or fewer: not parsed
        raise BadRequest(_TOO_DEEP)
    if many:
        raise BadRequest(f"The body holds more than {MAX_JSON_CONTAINERS:,} objects and arrays")
    value = _parse(text)
    if _MAYBE_SURROGATE.search(text):
        _check_text(value)  # recursion bounded: the value nests at most MAX_JSON_DEPTH levels
    return value


def loads_object(raw: bytes) -> dict[str, Any]:
    """Parse a body that must be a JSON object (an empty body is an empty object)."""
    if not raw.strip():
        return {}
    value = loads(raw)
    if not isinstance(value, dict):
        raise BadRequest("The body must be a JSON object")
    return value
