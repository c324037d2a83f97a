"""The strict JSON reader refuses what Python's json module lets through, each with a 400 naming it."""

from __future__ import annotations

import pytest

from chalicelib.contract.limits import MAX_JSON_DEPTH
from chalicelib.errors import BadRequest
from chalicelib.security import strict_json


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b'{"a": NaN}', "NaN"),
        (b'{"a": Infinity}', "Infinity"),
        (b'{"a": -Infinity}', "-Infinity"),
        (b'{"a": 1e999}', "1e999"),
        (b"[" * 10_000 + b"]" * 10_000, "levels deep"),
        (b'{"a": "\\ud800"}', "surrogate"),
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
    ],
)
def test_refused_with_a_clear_400(raw: bytes, words: str) -> None:
    with pytest.raises(BadRequest) as caught:
        strict_json.loads(raw)
    assert words in caught.value.message


def test_depth_counts_brackets_outside_strings_only() -> None:
    inside = b'{"text": "' + b"[" * 1000 + b'\\"{{{"}'
    assert strict_json.loads(inside)["text"].startswith("[[[")
    at_limit = b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH
    assert strict_json.loads(at_limit) is not None
    with pytest.raises(BadRequest):
        strict_json.loads(b"[" + at_limit + b"]")


def test_ordinary_json_reads_as_json() -> None:
    assert strict_json.loads('{"é": [1, 2.5, "😀", null, true]}'.encode()) == {"é": [1, 2.5, "😀", None, True]}
    assert strict_json.loads_object(b"  ") == {}
    with pytest.raises(BadRequest, match="JSON object"):
        strict_json.loads_object(b"[1]")
