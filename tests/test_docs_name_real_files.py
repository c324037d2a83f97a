"""Docstrings, comments and the README name only files that exist: a module that moved or was renamed is caught here.

Why: a newcomer follows these names (``store/events.py``, ``chalicelib/api/hooks.py``) to
find a behaviour; a name left behind by a move sends them nowhere.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAMED = re.compile(r"(?<![\w./-])((?:[\w-]+/)*[A-Za-z_][\w]*\.py)\b")


def _tracked() -> list[str]:
    return subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()


def dangling_names(files: list[str], texts: dict[str, str]) -> list[str]:
    """``file: name`` for each ``*.py`` name that is neither a path from the root, nor from the file's folder, nor
    from a package folder (``store/events.py`` means ``chalicelib/store/events.py``), nor a file name in the tree."""
    paths = set(files)
    suffixes = {"/".join(p.split("/")[i:]) for p in paths for i in range(len(p.split("/")))}
    found = []
    for name, text in texts.items():
        folder = str(Path(name).parent)
        for match in NAMED.finditer(text):
            named = match.group(1)
            if named in suffixes or f"{folder}/{named}" in paths:
                continue
            found.append(f"{name}: {named}")
    return sorted(set(found))


def test_a_name_that_does_not_exist_is_caught() -> None:
    texts = {"chalicelib/a.py": '"""See queue.py and store/events.py."""', "README.md": "`chalicelib/a.py`"}
    assert dangling_names(["chalicelib/a.py", "chalicelib/store/events.py", "README.md"], texts) == ["chalicelib/a.py: queue.py"]


def test_every_named_file_exists() -> None:
    files = _tracked()
    sources = [
        f for f in files if f.endswith((".py", ".md", ".js", ".json", ".toml")) and "node_modules" not in f and not f.startswith("tests/")
    ]
    texts = {f: (ROOT / f).read_text(errors="replace") for f in sources if (ROOT / f).is_file()}
    assert dangling_names(files, texts) == []
