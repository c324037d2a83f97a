"""A platform's published review rules as checks: each rule cites where the platform states it, finds the problems
in an app (none: the app passes), and seeds one defect the check must find, so no rule passes vacuously.

The ``test_*_review.py`` modules beside this file hold one platform's rules each and run them on a fresh export.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import struct
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from platforms.listing import publisher

PUBLIC_URL = "https://connector.example.com/api"


@dataclasses.dataclass(frozen=True)
class Rule:
    """One review rule: ``check`` lists what breaks it, ``seed`` makes a copy of the app that breaks it."""

    name: str
    source: str
    check: Callable[[Any], list[str]]
    seed: Callable[[Any], Any]

    def __repr__(self) -> str:
        return self.name


def listed() -> publisher.Listing:
    """The tracked publisher.json with what a publisher fills in before a public listing (the tracked file leaves them empty)."""
    listing = publisher.load()
    filled = {
        "support_email": "support@example.com",
        "privacy_policy_url": "https://example.com/privacy",
        "terms_url": "https://example.com/terms",
    }
    return dataclasses.replace(listing, **{k: getattr(listing, k) or v for k, v in filled.items()})


def listed_file(folder: Path) -> Path:
    """``listed()`` written as a publisher file, for ``python -m platforms.export --publisher``."""
    data = dataclasses.asdict(listed())
    data.pop("version")
    path = folder / "publisher.json"
    path.write_text(json.dumps({**data, "categories": list(data["categories"])}))
    return path


def png_size(data: bytes) -> tuple[int, int]:
    """A PNG's width and height from its IHDR chunk; (0, 0) when ``data`` is no PNG."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n") or data[12:16] != b"IHDR":
        return (0, 0)
    width, height = struct.unpack(">II", data[16:24])
    return (int(width), int(height))


def edited(files: dict[str, Any], path: str, change: Callable[[Any], Any]) -> dict[str, Any]:
    """A copy of ``files`` with the JSON file at ``path`` changed by ``change`` (which edits the parsed value in place)."""
    out = dict(files)
    value = json.loads(files[path])
    change(value)
    out[path] = json.dumps(value)
    return out


def replaced(files: dict[str, Any], path: str, old: str, new: str) -> dict[str, Any]:
    """A copy of ``files`` with ``old`` replaced in the text file at ``path`` (which must contain it)."""
    assert old in files[path], f"{path} no longer holds {old!r}: update the seeded defect"
    return {**files, path: files[path].replace(old, new)}


def walk(value: Any, where: str = "") -> Iterator[tuple[str, Any]]:
    """Every dict inside a JSON value, with its path."""
    if isinstance(value, dict):
        yield where, value
        for key, inner in value.items():
            yield from walk(inner, f"{where}/{key}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from walk(inner, f"{where}/{index}")


def rule_tests(rules: list[Rule], app_fixture: str) -> tuple[Callable[..., None], Callable[..., None]]:
    """The two tests every platform's module runs: each rule holds on the fresh export, and fails on its seeded defect."""

    @pytest.mark.parametrize("rule", rules, ids=[r.name for r in rules])
    def test_the_export_passes(rule: Rule, request: pytest.FixtureRequest) -> None:
        assert rule.source.startswith("https://"), rule.name
        problems = rule.check(request.getfixturevalue(app_fixture))
        assert problems == [], f"{rule.name} ({rule.source}): {problems}"

    @pytest.mark.parametrize("rule", rules, ids=[r.name for r in rules])
    def test_the_rule_fails_on_a_seeded_defect(rule: Rule, request: pytest.FixtureRequest) -> None:
        app = request.getfixturevalue(app_fixture)
        before = copy.deepcopy(app) if not hasattr(app, "close") else None
        assert rule.check(rule.seed(app)) != [], f"{rule.name} found nothing wrong with its seeded defect"
        if before is not None:
            assert app == before, "seeding a defect changed the shared export"

    return test_the_export_passes, test_the_rule_fails_on_a_seeded_defect
