"""`make destroy STAGE=x [YES=1] [DELETE_DATA=1]`: remove a client's connector, its 7stamp registrations first.

An agency cannot delete a location's webhook at 7stamp without that location's key, and
only the connector keeps it (KMS-encrypted in the locations table). So before the stack
goes, each connected location's webhook is deleted at 7stamp with that key, through the
connector's own client and stores; a location that cannot be reached (no key kept, a
revoked key, 7stamp down) is named, and the removal goes on. Then the stack is deleted;
its data tables are retained (their DeletionPolicy) unless ``--delete-data``, and the
command says what was kept.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from infra import clients
from infra.account import Refused, check_account
from infra.deploy import WAIT, describe
from infra.fleet import session
from infra.package import PackageError

# the stack's resources the connector's services are built on (their environment variables)
SERVICE_RESOURCES = {
    "LocationsTable": "LOCATIONS_TABLE",
    "KeysTable": "KEYS_TABLE",
    "IdempotencyTable": "IDEMPOTENCY_TABLE",
    "EventsTable": "EVENTS_TABLE",
    "SubscriptionsTable": "SUBSCRIPTIONS_TABLE",
    "DeliveriesTable": "DELIVERIES_TABLE",
    "ConnectorKey": "KMS_KEY_ID",
}


@dataclass
class Unregistered:
    removed: list[str] = field(default_factory=list)
    unreachable: dict[str, str] = field(default_factory=dict)  # location id -> why


def unregister(environment: dict[str, str]) -> Unregistered:
    """Delete every connected location's webhook at 7stamp with the key the connector keeps for it."""
    from chalicelib import container
    from chalicelib.errors import ConnectorError
    from chalicelib.settings import load

    services = container.build(load(environment))
    done = Unregistered()
    for connection in services.locations.all():
        where = connection.location_id
        if not connection.webhook_id:
            continue  # never registered at 7stamp: nothing to remove
        if connection.key_blob is None:
            done.unreachable[where] = f"no key kept, webhook {connection.webhook_id} stays at 7stamp"
            continue
        try:
            key = services.key_vault.decrypt(connection.key_blob, where)
            services.sevenstamp(key).delete_webhook(connection.webhook_id)
            services.locations.unregistered(where, connection.webhook_id)  # the hourly check must not register it again
        except ConnectorError as exc:
            if exc.status == 404:
                services.locations.unregistered(where, connection.webhook_id)
                done.removed.append(where)  # already gone at 7stamp
            else:
                done.unreachable[where] = f"{exc.message} (webhook {connection.webhook_id})"
            continue
        except Exception as exc:  # a key KMS will not decrypt, a table gone: named, and the removal goes on
            done.unreachable[where] = f"{type(exc).__name__}: {exc} (webhook {connection.webhook_id})"
            continue
        done.removed.append(where)
    return done


def _physical(cf: Any, stack: str) -> dict[str, tuple[str, str]]:
    listed = cf.describe_stack_resources(StackName=stack)["StackResources"]
    return {r["LogicalResourceId"]: (r["ResourceType"], r.get("PhysicalResourceId", "")) for r in listed}


def destroy(client: clients.Client, *, delete_data: bool, confirm: bool) -> int:
    s = session(client)
    account = check_account(s, client)
    cf = s.client("cloudformation")
    if describe(cf, client.stack) is None:
        print(f"{client.stack} does not exist in {client.region} (account {account}); nothing to remove.")
        return 0
    if confirm:
        what = "and its data tables" if delete_data else "(its data tables are kept)"
        if not sys.stdin.isatty():
            raise Refused(f"make destroy removes {client.stack} {what}; confirm with YES=1 when not at a terminal.")
        answer = input(f"Remove {client.stack} in account {account} {what}? Type the stage name to confirm: ")
        if answer.strip() != client.stage:
            print("Not confirmed; nothing was removed.")
            return 1
    resources = _physical(cf, client.stack)
    environment = {variable: resources[name][1] for name, variable in SERVICE_RESOURCES.items() if name in resources}
    environment["SEVENSTAMP_API_URL"] = clients.stage_environment(client.stage)["SEVENSTAMP_API_URL"]
    # the services' boto3 clients take the region (and a profile) from the environment
    aws = {"AWS_DEFAULT_REGION": client.region, "AWS_REGION": client.region}
    if client.profile and "AWS_ENDPOINT_URL" not in os.environ:
        aws["AWS_PROFILE"] = client.profile
    with _environment(aws):
        done = unregister(environment)
    print(f"7stamp webhooks removed for {len(done.removed)} location(s){': ' + ', '.join(done.removed) if done.removed else ''}.")
    for location, why in sorted(done.unreachable.items()):
        print(f"  NOT removed for location {location}: {why}; remove it in that location's 7stamp account.")

    tables = {name: physical for name, (kind, physical) in resources.items() if kind == "AWS::DynamoDB::Table"}
    print(f"Deleting {client.stack}…", flush=True)
    cf.delete_stack(StackName=client.stack)
    from botocore.exceptions import WaiterError

    try:
        cf.get_waiter("stack_delete_complete").wait(StackName=client.stack, WaiterConfig=WAIT)
    except WaiterError as exc:
        raise PackageError(f"{client.stack} was not deleted: {exc}") from exc
    db = s.client("dynamodb")
    kept = {name: physical for name, physical in tables.items() if _exists(db, physical)}
    if delete_data:
        for physical in kept.values():
            db.delete_table(TableName=physical)
        print(f"Deleted {client.stack} and its data ({len(kept)} retained table(s) deleted: {', '.join(sorted(kept.values())) or 'none'}).")
    else:
        print(f"Deleted {client.stack}. Kept its data: {len(kept)} table(s) (make destroy … DELETE_DATA=1 deletes them):")
        for name, physical in sorted(kept.items()):
            print(f"  {name:20} {physical}")
    print(f"The client stays recorded in infra/clients.json; make deploy STAGE={client.stage} would create a new stack (with new tables).")
    return 0


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _exists(db: Any, table: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        db.describe_table(TableName=table)
    except ClientError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.destroy", description=__doc__.splitlines()[0])
    parser.add_argument("--stage", required=True, help="a client recorded with make client")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument("--delete-data", action="store_true", help="delete the retained data tables too")
    args = parser.parse_args(argv)
    try:
        return destroy(clients.get(args.stage), delete_data=args.delete_data, confirm=not args.yes)
    except PackageError as exc:
        print(exc, file=sys.stderr)
        return 2 if isinstance(exc, Refused | clients.ClientError) else 1


if __name__ == "__main__":
    raise SystemExit(main())
