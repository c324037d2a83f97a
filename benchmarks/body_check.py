"""The request body check (``strict_json.loads``) on hostile bodies beside a benign body, all at the body limit.

Issue 23 found the old depth check quadratic: 30,000 escaped quotes took seconds, and a
256 KB body would have outrun the function's timeout. Each body here is MAX_BODY_BYTES long;
the benign one is an ordinary event payload (customers with cards, the shape 7stamp sends)
repeated to the limit. Prints the median time of each and the worst hostile body's ratio to
the benign one; the goal is <= 3.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable

from chalicelib.contract.limits import MAX_BODY_BYTES, MAX_JSON_CONTAINERS, MAX_JSON_DEPTH
from chalicelib.errors import BadRequest
from chalicelib.security import strict_json

RUNS = 15
GOAL = 3.0


def _fill(head: bytes, unit: bytes, tail: bytes = b"", size: int = MAX_BODY_BYTES) -> bytes:
    """``head`` + ``unit`` repeated + ``tail``, exactly ``size`` bytes (padded with spaces, which JSON ignores)."""
    count = (size - len(head) - len(tail)) // len(unit)
    body = head + unit * count + tail
    return body + b" " * (size - len(body))


def hostile_bodies(size: int = MAX_BODY_BYTES) -> dict[str, bytes]:
    """Bodies the check must refuse, each ``size`` bytes: the issue's escaped quotes, runaway nesting, packed arrays."""
    return {
        "escaped quotes, unterminated": _fill(b'{"event":"', b'\\"', size=size),
        "escaped backslashes and quotes": _fill(b'{"event":"', b'\\\\\\"', size=size),
        "quotes and brackets": _fill(b"[", b'"[",[', size=size),
        "opening brackets": _fill(b"", b"[", size=size),
        "nested objects": _fill(b"", b'{"a":', size=size),
        "33 deep, repeated": _fill(b"[", b"[" * 33 + b"]" * 33 + b",", b"0]", size=size),
        "empty arrays": _fill(b"[", b"[],", b"[]]", size=size),
        "lone surrogate escapes": _fill(b"[", b'"\\ud800",', b"0]", size=size),
    }


def dense_bodies(size: int = MAX_BODY_BYTES) -> dict[str, bytes]:
    """Valid bodies packed with as many values per byte as the limits let through: the parser's worst case."""
    nests = MAX_JSON_CONTAINERS // MAX_JSON_DEPTH - 1
    deep = b"[" * (MAX_JSON_DEPTH - 1) + b"]" * (MAX_JSON_DEPTH - 1) + b","  # 32 levels inside the outer array
    return {
        "zeros": _fill(b"[", b"0,", b"0]", size=size),
        "empty strings": _fill(b"[", b'"",', b"0]", size=size),
        "escape sequences": _fill(b'["', b"\\n", b'"]', size=size),
        f"{nests * (MAX_JSON_DEPTH - 1):,} arrays 32 deep, then zeros": _fill(b"[" + deep * nests, b"0,", b"0]", size=size),
        "paired surrogate escapes": _fill(b"[", b'"\\ud83d\\ude00",', b"0]", size=size),
    }


def benign_body(size: int = MAX_BODY_BYTES) -> bytes:
    """An ordinary payload: a list of card events as 7stamp sends them, repeated to ``size``."""
    event = {
        "event": "stamp_added",
        "occurred_at": "2026-12-03T15:55:12Z",
        "data": {
            "customer": {"id": "cus_0123456789", "name": "Ada Lovelace", "email": "ada@example.com", "phone": "+15555550123"},
            "card": {"id": "card_0123456789", "stamps": 7, "stamps_needed": 10, "labels": ["coffee", "regular"]},
            "staff": {"login": "barista-1", "note": "Extra shot, oat milk, no lid — for here."},
        },
    }
    return _fill(b'{"events":[', json.dumps(event).encode() + b",", b"{}]}", size=size)


def _median_seconds(check: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        try:
            check()
        except BadRequest:
            pass
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    benign = benign_body()
    bodies = {**{f"refused: {k}": v for k, v in hostile_bodies().items()}, **{f"read: {k}": v for k, v in dense_bodies().items()}}
    baseline = _median_seconds(lambda: strict_json.loads(benign))
    print(f"strict_json.loads, median of {RUNS} runs, every body {MAX_BODY_BYTES:,} bytes")
    print(f"  {'benign (card events)':48} {baseline * 1000:8.2f} ms")
    worst_name, worst = "", 0.0
    for name, raw in bodies.items():
        seconds = _median_seconds(lambda raw=raw: strict_json.loads(raw))  # type: ignore[misc]
        print(f"  {name:48} {seconds * 1000:8.2f} ms  ({seconds / baseline:5.2f} x benign)")
        if seconds > worst:
            worst_name, worst = name, seconds
    ratio = worst / baseline
    print(f"  worst case {worst_name!r}: ratio {ratio:.2f} (goal <= {GOAL})")
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    raise SystemExit(main())
