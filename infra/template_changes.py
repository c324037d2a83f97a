"""Template changes CloudFormation cannot apply to a deployed stack in one update, found before a client's upgrade fails.

A DynamoDB table takes one global secondary index created or deleted per update (an index
whose keys or projection change counts as both), and a change of its key schema, local
indexes or name replaces it: for a retained table the old one, with the data, is left
behind and the stack starts empty. ``unsafe_changes`` names each such change and the way
out. The test compares the packaged template with ``infra/released-tables.json``, the
tables of the last release; ``make deploy`` compares with the stack's deployed template.

``python -m infra.template_changes build/dev/sam.json`` checks a package;
``--snapshot`` records its tables as the release's (run when tagging a release).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from infra.package import ROOT

SNAPSHOT = ROOT / "infra" / "released-tables.json"
REPLACING = ("KeySchema", "LocalSecondaryIndexes", "TableName")


def tables(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template.get("Resources", {}).items() if r.get("Type") == "AWS::DynamoDB::Table"}


def _indexes(table: dict[str, Any]) -> dict[str, Any]:
    return {
        i["IndexName"]: {k: v for k, v in i.items() if k != "IndexName"}
        for i in table.get("Properties", {}).get("GlobalSecondaryIndexes", [])
    }


def unsafe_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Each change from template ``before`` to ``after`` that would fail an update or strand a retained table's data."""
    found = []
    old_tables, new_tables = tables(before), tables(after)
    for name in sorted(set(old_tables) & set(new_tables)):
        old, new = old_tables[name], new_tables[name]
        old_props, new_props = old.get("Properties", {}), new.get("Properties", {})
        replaced = [key for key in REPLACING if old_props.get(key) != new_props.get(key)]
        if replaced and "Retain" in (old.get("DeletionPolicy"), old.get("UpdateReplacePolicy")):
            found.append(
                f"{name}: a change of {', '.join(replaced)} replaces this retained table, leaving its data in the old one. "
                "Way out: add a new table beside it under a new logical id, copy or let the data expire, "
                "then drop the old one in a later release."
            )
        elif replaced:
            found.append(
                f"{name}: a change of {', '.join(replaced)} replaces the table and deletes its data. Way out: a new table beside it."
            )
        old_indexes, new_indexes = _indexes(old), _indexes(new)
        created = sorted(n for n in new_indexes if n not in old_indexes or old_indexes[n] != new_indexes[n])
        deleted = sorted(n for n in old_indexes if n not in new_indexes or old_indexes[n] != new_indexes[n])
        if len(created) + len(deleted) > 1:
            steps = [f"delete {n}" for n in deleted] + [f"create {n}" for n in created]
            found.append(
                f"{name}: {len(created)} global secondary index(es) created and {len(deleted)} deleted ({', '.join(steps)}) in one update; "
                "CloudFormation allows one per table per update. Way out: ship them over as many releases, one index change each "
                "(and every client upgraded between them)."
            )
    return found


def snapshot(template: dict[str, Any], path: Path = SNAPSHOT) -> None:
    from infra.deploy import version

    body = {
        "about": "The data tables of the last release (python -m infra.template_changes --snapshot)",
        "release": version(),
        "Resources": tables(template),
    }
    path.write_text(json.dumps(body, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.template_changes", description=__doc__.splitlines()[0])
    parser.add_argument("template", type=Path, help="a packaged template (build/STAGE/sam.json)")
    parser.add_argument("--snapshot", action="store_true", help="record its tables as the release's")
    args = parser.parse_args(argv)
    template = json.loads(args.template.read_text())
    if args.snapshot:
        snapshot(template)
        print(f"Recorded the tables of {args.template} in {SNAPSHOT}.")
        return 0
    problems = unsafe_changes(json.loads(SNAPSHOT.read_text()), template)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"{args.template}: every table change applies in one update from the last release.")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
