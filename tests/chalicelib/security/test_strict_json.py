"""The strict JSON reader refuses what Python's json module lets through, each with a 400 naming it."""

from __future__ import annotations

import json

import pytest

from benchmarks.body_check import dense_bodies, hostile_bodies
from chalicelib.contract.limits import MAX_BODY_BYTES, MAX_JSON_CONTAINERS, MAX_JSON_DEPTH
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


@pytest.mark.timeout(30)  # a bound, not a timing assert: the old quadratic check ran for minutes on these bodies
@pytest.mark.parametrize(("name", "raw"), list(hostile_bodies().items()))
def test_hostile_bodies_at_the_body_limit_are_refused(name: str, raw: bytes) -> None:
    assert len(raw) == MAX_BODY_BYTES
    with pytest.raises(BadRequest) as caught:
        strict_json.loads(raw)
    assert any(words in caught.value.message for words in ("not valid JSON", "levels deep", "objects and arrays", "surrogate")), name


@pytest.mark.parametrize(("name", "raw"), list(dense_bodies().items()))
def test_dense_bodies_within_the_limits_are_read(name: str, raw: bytes) -> None:
    assert len(raw) == MAX_BODY_BYTES
    assert isinstance(strict_json.loads(raw), list), name


def test_too_many_objects_and_arrays_are_refused_before_parsing() -> None:
    at_limit = b"[" + b"[]," * (MAX_JSON_CONTAINERS - 2) + b"[]]"
    assert len(strict_json.loads(at_limit)) == MAX_JSON_CONTAINERS - 1
    with pytest.raises(BadRequest, match="more than 10,000 objects and arrays"):
        strict_json.loads(b"[" + b"[]," * (MAX_JSON_CONTAINERS - 1) + b"[]]")


def test_escapes_and_other_encodings_do_not_hide_brackets() -> None:
    deep = "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1)
    with pytest.raises(BadRequest, match="levels deep"):
        strict_json.loads(json.dumps({"a": '\\\\"', "b": json.loads(deep)}).encode("utf-16"))
    shallow = {"a": '\\"[[[{', "b": "\\", "c": [[["\u2028", "é"]]]}
    assert strict_json.loads(json.dumps(shallow).encode()) == shallow
    assert strict_json.loads(json.dumps(shallow, ensure_ascii=False).encode("utf-32")) == shallow
