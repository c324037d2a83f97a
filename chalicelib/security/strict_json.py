"""The one JSON reader for every request body: strict where Python's ``json`` is lenient.

``json.loads`` accepts ``NaN`` and ``Infinity`` (not JSON: a strict client cannot read
them back), recurses until a ``RecursionError`` on deep nesting, and keeps lone UTF-16
surrogates that no UTF-8 store can hold. Each of these is a 400 naming the problem,
raised before anything is stored.
"""

from __future__ import annotations

import json
import re
from typing import Any

from chalicelib.contract.limits import MAX_JSON_DEPTH
from chalicelib.errors import BadRequest

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def _depth(raw: bytes) -> int:
    """How deeply objects and arrays nest, counted outside strings without parsing."""
    deepest = level = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', raw)):
        level += 1 if match.group() in (b"[", b"{") else -1
        deepest = max(deepest, level)
    return deepest


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


def loads(raw: bytes) -> Any:
    """Parse a body; 400 for anything that is not plain, finite, shallow JSON text."""
    if _depth(raw) > MAX_JSON_DEPTH:
        raise BadRequest(f"The body nests objects or arrays more than {MAX_JSON_DEPTH} levels deep")
    try:
        value = json.loads(raw, parse_constant=_refuse_constant, parse_float=_finite)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadRequest("The body is not valid JSON") from None
    _check_text(value)
    return value


def loads_object(raw: bytes) -> dict[str, Any]:
    """Parse a body that must be a JSON object (an empty body is an empty object)."""
    if not raw.strip():
        return {}
    value = loads(raw)
    if not isinstance(value, dict):
        raise BadRequest("The body must be a JSON object")
    return value
