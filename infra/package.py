"""`make package STAGE=x` (python -m infra.package --stage x --out build/x): the stage's CloudFormation, linted.

``chalice package --merge-template infra/resources.json`` writes ``sam.json`` and
``deployment.zip``; cfn-lint must then find nothing in ``sam.json``, or the package is
not fit to deploy and the command fails.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MERGE_TEMPLATE = ROOT / "infra" / "resources.json"
CHALICE_CONFIG = ROOT / ".chalice" / "config.json"
BIN = Path(sys.executable).parent  # chalice and cfn-lint live beside the venv's python


class PackageError(Exception):
    """Packaging or linting failed; the message says what to do."""


def stages() -> list[str]:
    return list(json.loads(CHALICE_CONFIG.read_text())["stages"])


def check_stage(stage: str) -> None:
    known = stages()
    if stage not in known:
        raise PackageError(f"stage {stage!r} is not in .chalice/config.json (stages: {', '.join(known)}); add it there first")


def package(stage: str, out: Path, region: str | None = None) -> Path:
    """Run chalice package for ``stage`` into ``out``; returns the template's path."""
    check_stage(stage)
    env = dict(os.environ)
    if region or not (env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")):
        # chalice insists on a region even though the template names none (it uses ${AWS::Region})
        env["AWS_DEFAULT_REGION"] = region or "us-east-1"
    command = [
        str(BIN / "chalice"),
        "--project-dir",
        str(ROOT),
        "package",
        "--stage",
        stage,
        "--merge-template",
        str(MERGE_TEMPLATE),
        str(out),
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise PackageError(f"chalice package failed:\n{done.stdout}{done.stderr}")
    return out / "sam.json"


def lint(template: Path, region: str = "us-east-1") -> None:
    """cfn-lint on the merged template; any finding at all fails (errors, warnings and notes alike).

    A template already found clean for the region is not linted again (a second deploy or rehearsal of the same code).
    """
    clean = template.parent / ".lint-clean"
    fingerprint = hashlib.sha256(template.read_bytes() + region.encode()).hexdigest()
    if clean.exists() and clean.read_text() == fingerprint:
        return
    done = subprocess.run([str(BIN / "cfn-lint"), "--regions", region, "--", str(template)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise PackageError(f"cfn-lint found problems in {template}:\n{done.stdout}{done.stderr}")
    clean.write_text(fingerprint)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.package", description=__doc__.splitlines()[0])
    parser.add_argument("--stage", required=True, help="a stage of .chalice/config.json (e.g. dev, client-a)")
    parser.add_argument("--out", type=Path, help="output folder (default build/STAGE)")
    args = parser.parse_args(argv)
    out = (args.out or Path("build") / args.stage).resolve()
    try:
        template = package(args.stage, out)
        lint(template)
    except PackageError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"Packaged stage {args.stage}; cfn-lint found nothing.\n  template: {template}\n  code:     {out / 'deployment.zip'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
