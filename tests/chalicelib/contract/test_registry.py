"""The registry collects one definition per file, keyed by file name, and refuses a mismatched key or a missing one."""

from __future__ import annotations

import dataclasses
import importlib
import sys
from pathlib import Path

import pytest

from chalicelib.contract import registry
from chalicelib.contract.definitions import TriggerDefinition


def _package(tmp_path: Path, name: str, modules: dict[str, str]) -> object:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    for module, text in modules.items():
        (folder / f"{module}.py").write_text(text)
    sys.path.insert(0, str(tmp_path))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(tmp_path))


DEFINE = "import dataclasses\nfrom chalicelib.contract import registry\n" + (
    "DEFINITION = dataclasses.replace(registry.triggers()['stamp_added'], key={key!r})\n"
)


def test_definitions_are_keyed_by_file_name_and_private_modules_are_skipped(tmp_path: Path) -> None:
    package = _package(tmp_path, "defs_ok", {"points_added": DEFINE.format(key="points_added"), "_parts": "X = 1\n"})
    found = registry._load(package, TriggerDefinition)  # type: ignore[arg-type]
    assert list(found) == ["points_added"]
    assert found["points_added"] == dataclasses.replace(registry.triggers()["stamp_added"], key="points_added")


def test_a_key_that_is_not_the_file_name_is_refused(tmp_path: Path) -> None:
    package = _package(tmp_path, "defs_bad_key", {"points_added": DEFINE.format(key="stamp_added")})
    with pytest.raises(ValueError, match="must equal the file name"):
        registry._load(package, TriggerDefinition)  # type: ignore[arg-type]


def test_a_module_without_a_definition_is_refused(tmp_path: Path) -> None:
    package = _package(tmp_path, "defs_missing", {"points_added": "DEFINITION = None\n"})
    with pytest.raises(TypeError, match="must define DEFINITION"):
        registry._load(package, TriggerDefinition)  # type: ignore[arg-type]


def test_every_definition_of_the_project_is_found() -> None:
    assert registry.event_names() == [k for k in registry.triggers() if k != registry.ANY_EVENT]
    assert registry.action_by_path("create", "add-stamp") is registry.actions()["add_stamp"]
    assert registry.action_by_path("search", "add-stamp") is None
