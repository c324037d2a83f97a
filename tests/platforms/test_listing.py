"""The listing material from one source: publisher.json's details and warnings, the export's version, the icons from
logo.svg, and install steps that match the platforms' current command-line tools."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
from pathlib import Path

import pytest
from n8n_host import node_cli
from review import PUBLIC_URL, listed, listed_file, png_size

from chalicelib.contract import catalog
from platforms import export
from platforms.listing import icons, publisher
from platforms.n8n import generate as n8n_app
from platforms.powerautomate import generate as powerautomate_app
from platforms.zapier import generate as zapier_app

ROOT = Path(__file__).resolve().parents[2]
ZAPIER_CLI = Path(__file__).with_name("zapier-cli") / "node_modules" / ".bin" / "zapier-platform"


def _export(capsys: pytest.CaptureFixture[str], out: Path, *extra: str, platform: str = "zapier") -> tuple[int, str]:
    code = export.main(["--platform", platform, "--url", PUBLIC_URL, "--out", str(out), *extra])
    return code, capsys.readouterr().err


def test_the_export_names_each_detail_a_public_listing_still_needs(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, said = _export(capsys, tmp_path / "tracked")
    assert code == 0
    assert sorted(re.findall(r"has no ([a-z_]+): a private app works", said)) == sorted(publisher.load().missing())
    code, said = _export(capsys, tmp_path / "filled", "--publisher", str(listed_file(tmp_path)))
    assert code == 0 and "warning" not in said


def test_an_empty_detail_is_reported_and_an_unknown_key_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data = json.loads(listed_file(tmp_path).read_text())
    (tmp_path / "no-site.json").write_text(json.dumps({**data, "website": ""}))
    code, said = _export(capsys, tmp_path / "a", "--publisher", str(tmp_path / "no-site.json"))
    assert code == 0 and "has no website" in said
    (tmp_path / "extra.json").write_text(json.dumps({**data, "support_phone": "+1 555"}))
    code, said = _export(capsys, tmp_path / "b", "--publisher", str(tmp_path / "extra.json"))
    assert code == 2 and "support_phone" in said and not (tmp_path / "b").exists()


def test_version_reaches_every_app_and_a_bad_one_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert _export(capsys, tmp_path / "zapier", "--version", "1.4.0")[0] == 0
    assert json.loads((tmp_path / "zapier" / "package.json").read_text())["version"] == "1.4.0"
    assert _export(capsys, tmp_path / "n8n", "--version", "1.4.0", platform="n8n")[0] == 0
    assert json.loads((tmp_path / "n8n" / "package.json").read_text())["version"] == "1.4.0"
    assert _export(capsys, tmp_path / "pa", "--version", "1.4.0", platform="powerautomate")[0] == 0
    assert json.loads((tmp_path / "pa" / "apiDefinition.swagger.json").read_text())["info"]["version"] == "1.4.0"
    code, said = _export(capsys, tmp_path / "bad", "--version", "v2")
    assert code == 2 and "MAJOR.MINOR.PATCH" in said
    assert publisher.load().version == publisher.project_version()


def test_one_logo_renders_every_icon_in_the_brand_colour() -> None:
    listing = listed()
    assert png_size(icons.png(256, listing.brand_color)) == (256, 256)
    light, dark = icons.svg(listing.brand_color), icons.svg(listing.brand_color, dark=True)
    assert listing.brand_color in light and listing.brand_color not in dark and light.startswith("<svg")
    recoloured = dataclasses.replace(listing, brand_color="#123456")
    files = zapier_app.generate(catalog.catalog(), PUBLIC_URL, recoloured)
    assert files["listing/logo.png"] != zapier_app.generate(catalog.catalog(), PUBLIC_URL, listing)["listing/logo.png"]
    assert "#123456" in n8n_app.generate(catalog.catalog(), PUBLIC_URL, recoloured)["nodes/SevenStamp/sevenstamp.svg"]
    properties = json.loads(powerautomate_app.generate(catalog.catalog(), PUBLIC_URL, recoloured)["apiProperties.json"])
    assert properties["properties"]["iconBrandColor"] == "#123456"


def test_the_listing_description_is_the_same_text_everywhere() -> None:
    listing = listed()
    assert len(listing.description) <= 140  # fits Zapier's and npm's one-line descriptions
    assert zapier_app.generate(catalog.catalog(), PUBLIC_URL, listing)["listing/description.txt"].strip() == listing.description
    assert json.loads(n8n_app.package_json(listing))["description"] == listing.description
    assert json.loads(powerautomate_app.generate(catalog.catalog(), PUBLIC_URL, listing)["apiDefinition.swagger.json"])["info"][
        "description"
    ] == (listing.long_description)


def _zapier_commands(text: str) -> list[str]:
    """The subcommands of every `zapier-platform ...` (and any bare `zapier ...`) command line in ``text``."""
    return re.findall(r"(?:^|[\s`(&])(zapier(?:-platform)?) ([a-z][a-z:]*)", text)


def _cli_commands(package: Path) -> set[str]:
    """The commands an oclif CLI declares: ``src/oclif/commands/users/add.js`` is ``users:add``."""
    folder = package / "src" / "oclif" / "commands"
    return {":".join(p.relative_to(folder).with_suffix("").parts) for p in folder.rglob("*.js")}


def test_install_steps_use_the_current_zapier_cli() -> None:
    """zapier-platform-cli 19 installs the binary `zapier-platform` and runs on Node 22; every step names one of its commands."""
    package = ZAPIER_CLI.parents[1] / "zapier-platform-cli"
    if not (package / "package.json").exists():
        pytest.fail("Zapier's CLI is needed: run `make test` (it runs npm install in tests/platforms/zapier-cli)")
    assert list(json.loads((package / "package.json").read_text())["bin"]) == ["zapier-platform"]
    commands = _cli_commands(package)
    assert {"push", "register", "login", "migrate", "promote", "users:add"} <= commands
    steps = (ROOT / "README.md").read_text() + "\n" + export.NEXT_STEPS["zapier"]
    used = _zapier_commands(steps)
    assert used and all(binary == "zapier-platform" for binary, _ in used), [u for u in used if u[0] != "zapier-platform"]
    assert {command for _, command in used} <= commands, {command for _, command in used} - commands
    done = subprocess.run([str(ZAPIER_CLI), "help"], capture_output=True, text=True, timeout=120)
    refused = re.search(r"Requires node version >= v([0-9]+)", done.stdout + done.stderr)
    if refused:  # this machine's Node is older than the CLI's: the README must say which Node the CLI needs
        assert f"Node {refused.group(1)}" in (ROOT / "README.md").read_text()
    else:
        assert done.returncode == 0 and "push" in done.stdout, done.stdout + done.stderr


def test_the_zapier_step_check_is_not_vacuous() -> None:
    assert _zapier_commands("run `zapier push` then zapier-platform users:add a@b.example 1.0.0") == [
        ("zapier", "push"),
        ("zapier-platform", "users:add"),
    ]


def test_the_n8n_steps_use_the_current_node_cli(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    assert export.main(["--platform", "n8n", "--url", PUBLIC_URL, "--out", str(package), "--publisher", str(listed_file(tmp_path))]) == 0
    scripts = json.loads((package / "package.json").read_text())["scripts"]
    used = {script.split()[1] for script in scripts.values() if script.startswith("n8n-node ")}
    assert {"build", "lint", "release"} <= used
    for command in sorted(used - {"build", "lint"}):  # test_n8n_app.py runs build and lint themselves
        assert node_cli(package, command, "--help").returncode == 0, command
    assert node_cli(package, "publish-everything", "--help").returncode != 0  # an unknown command is refused
