"""`make export`'s command: what it writes, what it keeps on a second export, what it refuses; and the README's lists."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from chalicelib.contract import catalog
from platforms import export

ROOT = Path(__file__).resolve().parents[2]
URL = "https://connector.example.com/api"


def _export(platform: str, out: Path, url: str = URL) -> int:
    return export.main(["--platform", platform, "--url", url, "--out", str(out)])


def test_the_command_line_writes_the_app(tmp_path: Path) -> None:
    out = tmp_path / "zapier"
    done = subprocess.run(
        [sys.executable, "-m", "platforms.export", "--platform", "zapier", "--url", URL + "/", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert f'const API_URL = "{URL}";' in (out / "lib" / "connector.js").read_text()
    assert "zapier-platform push" in done.stdout and "zapier push" not in done.stdout.replace("zapier-platform push", "")


def test_a_second_export_replaces_its_files_and_keeps_the_rest(tmp_path: Path) -> None:
    zapier, make = tmp_path / "zapier", tmp_path / "make"
    assert _export("zapier", zapier) == 0 and _export("make", make) == 0
    (zapier / ".zapierapprc").write_text('{"id": 1}')
    (zapier / "node_modules").mkdir()
    stale = zapier / "triggers" / "retired_event.js"
    manifest = json.loads((zapier / ".7stamp-export.json").read_text())
    manifest["files"].append("triggers/retired_event.js")
    (zapier / ".7stamp-export.json").write_text(json.dumps(manifest))
    stale.write_text("// an event that no longer exists")
    app = json.loads((make / "makecomapp.json").read_text())
    origin = {
        "label": "Client A",
        "baseUrl": "https://eu1.make.com/api",
        "appId": "sevenstamp-client-a",
        "appVersion": 1,
        "apikeyFile": ".secrets/apikey",
    }
    (make / "makecomapp.json").write_text(json.dumps({**app, "origins": [origin]}))

    assert _export("zapier", zapier, "https://other.example.com") == 0 and _export("make", make) == 0
    assert (zapier / ".zapierapprc").exists() and (zapier / "node_modules").is_dir() and not stale.exists()
    assert "https://other.example.com" in (zapier / "lib" / "connector.js").read_text()
    assert json.loads((make / "makecomapp.json").read_text())["origins"] == [origin]


def test_it_refuses_to_overwrite_other_work_or_a_bad_url(tmp_path: Path) -> None:
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    assert _export("zapier", foreign) == 2 and sorted(p.name for p in foreign.iterdir()) == ["notes.txt"]
    assert _export("make", tmp_path / "make") == 0
    assert _export("zapier", tmp_path / "make") == 2
    assert _export("zapier", tmp_path / "new", url="ftp://connector.example.com") == 2
    assert not (tmp_path / "new").exists()


def _section(readme: str, title: str) -> str:
    return readme.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_the_readme_lists_what_the_definitions_declare() -> None:
    readme = (ROOT / "README.md").read_text()
    cat = catalog.catalog()
    entries = {t["key"]: t for t in cat["triggers"]} | {a["key"]: a for a in cat["actions"]}
    for title in ("Zapier", "Make"):
        rows = re.findall(r"^\| `([a-z_]+)` \| ([^|]+?) \|(.*)$", _section(readme, title), flags=re.MULTILINE)
        assert {key: label for key, label, _ in rows} == {key: e["label"] for key, e in entries.items()}, title
    for key, _, rest in re.findall(r"^\| `([a-z_]+)` \| ([^|]+?) \|(.*)$", _section(readme, "Zapier"), flags=re.MULTILINE):
        said = rest.strip(" |").split(" | ")[-1].rstrip(".")
        assert said in entries[key]["help"], f"the README says of {key} what its definition does not: {said}"
