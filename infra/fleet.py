"""`make clients` and `make upgrade-all`: every recorded client's stack at a glance, and all of them on this version.

``python -m infra.fleet list`` prints one line per client: stage, region, stack status, the
version it runs (the stack's tag), the connector's URL and when it was last deployed. A
client whose account is not the active credentials' is shown as such, not looked up.
``python -m infra.fleet upgrade`` deploys every client in turn, stops at the first that
fails and then prints the list, so it is plain which clients run which version.
With ``AWS_ENDPOINT_URL`` on this machine (a rehearsal's moto) both run against it.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from infra import clients
from infra.account import Refused, check_account, session_for
from infra.deploy import VERSION_TAG, deploy, describe, outputs_of, print_deployed, version
from infra.package import PackageError


@dataclass(frozen=True)
class Row:
    stage: str
    region: str
    status: str
    version: str
    url: str
    deployed_at: str


def _rehearsal() -> bool:
    """True when AWS_ENDPOINT_URL points at this machine: the stand-in takes any keys, so no profile is used."""
    return urlparse(os.environ.get("AWS_ENDPOINT_URL", "")).hostname in ("127.0.0.1", "localhost")


def session(client: clients.Client) -> Any:
    return session_for(client, use_profile=not _rehearsal())


def row(client: clients.Client) -> Row:
    """The client's line; a refusal (other account, no credentials) or a missing stack is its status."""
    try:
        s = session(client)
        check_account(s, client)
        found = describe(s.client("cloudformation"), client.stack)
    except Refused as exc:
        reason = "no credentials" if "No AWS credentials" in str(exc) else "other account" if "belong to account" in str(exc) else "refused"
        return Row(client.stage, client.region, f"({reason})", "-", client.public_url or "-", "-")
    if found is None:
        return Row(client.stage, client.region, "not deployed", "-", client.public_url or "-", "-")
    tags = {t["Key"]: t["Value"] for t in found.get("Tags", [])}
    when = found.get("LastUpdatedTime") or found.get("CreationTime")
    url = client.public_url or outputs_of(found).get("EndpointURL", "-").rstrip("/")
    return Row(
        client.stage,
        client.region,
        found["StackStatus"],
        tags.get(VERSION_TAG, "?"),
        url,
        when.strftime("%Y-%m-%d %H:%M UTC") if when else "-",
    )


def connector_url(stage: str) -> str:
    """The connector's address for client ``stage``, from its deployed stack (or its domain); for `make export STAGE=…`."""
    client = clients.get(stage)
    s = session(client)
    check_account(s, client)
    found = describe(s.client("cloudformation"), client.stack)
    if found is None:
        raise PackageError(f"{client.stack} is not deployed in {client.region}; run make deploy STAGE={stage} first.")
    url = client.public_url or outputs_of(found).get("EndpointURL", "").rstrip("/")
    if not url:
        raise PackageError(f"{client.stack} has no EndpointURL output ({found['StackStatus']}).")
    return url


def print_rows(rows: list[Row]) -> None:
    header = Row("STAGE", "REGION", "STATUS", "VERSION", "URL", "LAST DEPLOY")
    widths = [max(len(getattr(r, f)) for r in [header, *rows]) for f in Row.__dataclass_fields__]
    for r in [header, *rows]:
        print("  ".join(getattr(r, f).ljust(w) for f, w in zip(Row.__dataclass_fields__, widths, strict=True)).rstrip())


def list_clients() -> int:
    recorded = clients.load_all()
    if not recorded:
        print("No clients recorded yet: make client STAGE=<name> ACCOUNT=… REGION=…")
        return 0
    print_rows([row(c) for c in recorded.values()])
    return 0


def upgrade_all() -> int:
    recorded = list(clients.load_all().values())
    target = version()
    print(f"Upgrading {len(recorded)} client(s) to {target}, one at a time.")
    failed: str | None = None
    for client in recorded:
        try:
            print_deployed(deploy(client, session(client)))
        except PackageError as exc:
            failed = client.stage
            print(f"\n{client.stage} failed, so the upgrade stopped there:\n{exc}", file=sys.stderr)
            break
    print()
    print_rows([row(c) for c in recorded])
    if failed:
        left = [c.stage for c in recorded[[c.stage for c in recorded].index(failed) + 1 :]]
        print(f"\nNot tried: {', '.join(left) or 'none'}. Fix {failed} and run make upgrade-all again.")
        return 1
    print(f"\nEvery client runs {target}.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.fleet", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("list", "upgrade"))
    args = parser.parse_args(argv)
    return list_clients() if args.command == "list" else upgrade_all()


if __name__ == "__main__":
    raise SystemExit(main())
