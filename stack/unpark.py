"""``python -m stack.unpark`` (``make unpark``): put parked events back into fan-out, on the running local stack or on AWS.

Where it works decides where the names come from:

- ``--stage NAME`` (``make unpark STAGE=NAME``): the client recorded with ``make client``
  (its account, region and profile); the table, queue and key names are its stack's
  CloudFormation outputs ``Env<Variable>`` (one per variable the template gives the
  functions).
- otherwise, when ``PARKED_QUEUE_URL`` is set: the environment as it is (names set by hand).
- otherwise: the local stack running at ``MOTO_PORT`` (default 5000), with the names
  ``stack.provision`` gives it.

Prints how many events went back and how many notes are still parked; exit status 1
while some are, 2 when it cannot reach the stack.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping

import httpx

from stack.provision import load_template

HOST = "127.0.0.1"


class Unreachable(Exception):
    """The stack to unpark cannot be found; the message says what to set."""


def output_key(variable: str) -> str:
    """The stack output carrying one of the functions' environment variables: ``EVENTS_TABLE`` -> ``EnvEventsTable``."""
    return "Env" + "".join(part.capitalize() for part in variable.split("_"))


def stage_environment(stage: str) -> dict[str, str]:
    """The names of a deployed client's stage, from its stack's outputs, and where its stack lives (region, profile)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from infra import clients
    from infra.account import check_account
    from infra.deploy import describe, outputs_of
    from infra.fleet import session
    from infra.package import PackageError

    try:
        client = clients.get(stage)
        aws = session(client)
        check_account(aws, client)
        found = describe(aws.client("cloudformation"), client.stack)
    except (PackageError, BotoCoreError, ClientError) as exc:
        raise Unreachable(str(exc)) from exc
    if found is None:
        raise Unreachable(f"{client.stack} is not deployed in {client.region}; run make deploy STAGE={stage} first.")
    outputs = outputs_of(found)
    variables = list(load_template()["Globals"]["Function"]["Environment"]["Variables"])
    missing = [output_key(v) for v in variables if output_key(v) not in outputs]
    if missing:
        raise Unreachable(f"{client.stack} lacks the outputs {', '.join(missing)}: deploy it again with this version (make deploy).")
    where = {
        "AWS_REGION": client.region,
        "AWS_DEFAULT_REGION": client.region,
        **({"AWS_PROFILE": aws.profile_name} if client.profile else {}),
    }
    return {**where, **{v: outputs[output_key(v)] for v in variables}}


def local_environment(env: Mapping[str, str]) -> dict[str, str]:
    """The running local stack's moto and names (provision finds what the stack created and creates nothing new there)."""
    from stack.local import FAKE_AWS, REAL_AWS_ONLY, REGION
    from stack.provision import provision

    moto = f"http://{HOST}:{int(env.get('MOTO_PORT') or 5000)}"
    try:
        httpx.get(f"{moto}/moto-api/", timeout=2)
    except httpx.HTTPError:
        raise Unreachable(f"No local stack answers at {moto}: start it with make run, or set MOTO_PORT to its port.") from None
    for name in REAL_AWS_ONLY:
        os.environ.pop(name, None)
    os.environ.update(FAKE_AWS, AWS_ENDPOINT_URL=moto)
    return provision(region=REGION)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="make unpark",
        description="Fan out again the events parked in the ParkedEventsQueue (once their cause is fixed).",
        epilog="Without --stage and PARKED_QUEUE_URL it works on the local stack at MOTO_PORT (default 5000).",
    )
    parser.add_argument(
        "--stage", help="a deployed client's stage (make unpark STAGE=name): its stack's outputs name the queues and tables"
    )
    args = parser.parse_args(argv)
    try:
        if args.stage:
            os.environ.update(stage_environment(args.stage))
        elif not os.environ.get("PARKED_QUEUE_URL"):
            os.environ.update(local_environment(os.environ))
    except Unreachable as exc:
        print(exc, file=sys.stderr)
        return 2
    from chalicelib import container
    from chalicelib.pipeline import parked

    put_back, still_parked = parked.unpark(container.from_environment())
    print(f"{put_back} parked events fanned out again; {still_parked} parked notes still fail")
    return 1 if still_parked else 0


if __name__ == "__main__":
    sys.exit(main())
