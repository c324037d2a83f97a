"""``python -m stack.unpark`` (``make unpark``): put parked events back into fan-out, on the running local stack or on AWS.

Where it works decides where the names come from:

- ``--stage NAME`` (``make unpark STAGE=NAME``): the deployed client's stack
  ``sevenstamp-connector-NAME``; the table, queue and key names are its CloudFormation
  outputs ``Env<Variable>`` (one per variable the template gives the functions), read
  with the AWS credentials and region of the environment.
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
    """The names of a deployed stage, from its stack's outputs."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from infra.deploy import stack_name

    session = boto3.session.Session()
    if not session.region_name:
        raise Unreachable("No AWS region configured: set AWS_REGION (the region of the client's stack) and run again.")
    name = stack_name(stage)
    try:
        stacks = session.client("cloudformation").describe_stacks(StackName=name)["Stacks"]
    except (BotoCoreError, ClientError) as exc:
        raise Unreachable(f"The stack {name} cannot be read in {session.region_name} ({exc}).") from exc
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    variables = list(load_template()["Globals"]["Function"]["Environment"]["Variables"])
    missing = [output_key(v) for v in variables if output_key(v) not in outputs]
    if missing:
        raise Unreachable(f"The stack {name} lacks the outputs {', '.join(missing)}: deploy it again with this version (make deploy).")
    return {v: outputs[output_key(v)] for v in variables}


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
