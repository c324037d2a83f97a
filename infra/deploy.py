"""`make deploy STAGE=x` (python -m infra.deploy --stage x): one client's connector on AWS, in one run.

Package and lint as `make package` does, check that the active credentials belong to the
client's account, upload the code and the template to S3, create or update the stack
``sevenstamp-connector-<stage>`` (tagged with the client and the project's version), wait
for it and print its outputs. All through boto3: no AWS CLI.

The connector's public URL is a stack parameter: the client's domain when one is recorded,
otherwise the API's own address, which the stack only knows once it exists: a first
create is followed, in the same run, by an update that sets it. An alarm e-mail recorded
for the client is subscribed to the alarm topic by the stack itself.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from infra import clients
from infra.account import Refused, check_account, session_for
from infra.package import ROOT, PackageError, lint, package

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]
CLIENT_TAG = "sevenstamp-connector:client"
VERSION_TAG = "sevenstamp-connector:version"
WAIT = {"Delay": 5, "MaxAttempts": 720}  # an hour at most; moto answers at the first look
FAILED = ("ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED", "DELETE_FAILED", "UPDATE_ROLLBACK_FAILED")

Prepare = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Deployed:
    stack: str
    status: str
    outputs: dict[str, str]
    created: bool


def version() -> str:
    """The project's version, with the commit when this is a git checkout (a tag on every stack it deploys)."""
    base = str(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"])
    done = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    return f"{base}+{done.stdout.strip()}" if done.returncode == 0 and done.stdout.strip() else base


def describe(cf: Any, stack: str) -> dict[str, Any] | None:
    """The stack's description, or None when there is none (a deleted stack is none)."""
    from botocore.exceptions import ClientError

    try:
        found = cf.describe_stacks(StackName=stack)["Stacks"]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise
    return found[0] if found and found[0]["StackStatus"] != "DELETE_COMPLETE" else None


def outputs_of(description: dict[str, Any]) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in description.get("Outputs", [])}


def _ensure_bucket(s3: Any, name: str, region: str) -> None:
    """The bucket for the code and template; created (private, in the stack's region) when it does not exist yet."""
    from botocore.exceptions import ClientError

    try:
        s3.head_bucket(Bucket=name)
        return
    except ClientError:
        pass
    args: dict[str, Any] = {"Bucket": name}
    if region != "us-east-1":
        args["CreateBucketConfiguration"] = {"LocationConstraint": region}
    try:
        s3.create_bucket(**args)
        s3.put_public_access_block(
            Bucket=name,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
    except ClientError as exc:
        raise PackageError(f"The S3 bucket {name} cannot be used or created ({exc}); pass --bucket with one you own.") from exc


def _upload(s3: Any, bucket: str, key: str, body: bytes) -> None:
    s3.put_object(Bucket=bucket, Key=key, Body=body)


def _failure_reasons(cf: Any, stack: str) -> str:
    events = cf.describe_stack_events(StackName=stack)["StackEvents"][:50]
    failed = [e for e in events if e["ResourceStatus"].endswith("FAILED") and e.get("ResourceStatusReason")]
    return "\n".join(f"  {e['LogicalResourceId']}: {e['ResourceStatusReason']}" for e in failed) or "  (no event says why)"


def _apply(cf: Any, stack: str, template_url: str, parameters: dict[str, str], tags: dict[str, str], exists: bool) -> bool:
    """Create or update the stack and wait for it; False when an update found nothing to change."""
    from botocore.exceptions import ClientError, WaiterError

    args = {
        "StackName": stack,
        "TemplateURL": template_url,
        "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        "Capabilities": CAPABILITIES,
        "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
    }
    try:
        if exists:
            cf.update_stack(**args)
        else:
            cf.create_stack(**args)
    except ClientError as exc:
        if "No updates are to be performed" in str(exc):
            return False
        raise PackageError(f"CloudFormation refused the {'update' if exists else 'create'} of {stack}: {exc}") from exc
    try:
        cf.get_waiter("stack_update_complete" if exists else "stack_create_complete").wait(StackName=stack, WaiterConfig=WAIT)
    except WaiterError as exc:
        raise PackageError(f"{stack} did not {'update' if exists else 'create'}:\n{_failure_reasons(cf, stack)}") from exc
    return True


def _refuse_unsafe(cf: Any, stack: str, template: dict[str, Any]) -> None:
    """Stop before an update CloudFormation cannot apply in one go (compared with the template the stack runs)."""
    from infra.template_changes import unsafe_changes

    deployed = cf.get_template(StackName=stack, TemplateStage="Original")["TemplateBody"]
    problems = unsafe_changes(deployed if isinstance(deployed, dict) else json.loads(deployed), template)
    if problems:
        raise PackageError(f"{stack} was not updated; this template change cannot be applied in one update:\n  " + "\n  ".join(problems))


def deploy(client: clients.Client, session: Any, *, prepare: Prepare | None = None, bucket: str | None = None) -> Deployed:
    """Package, lint, upload and create or update ``client``'s stack; ``prepare`` rewrites the template first (the rehearsal)."""
    account = check_account(session, client)
    out = ROOT / "build" / client.stage
    template_path = package(client.stage, out, client.region)
    lint(template_path, client.region)
    s3 = session.client("s3")
    cf = session.client("cloudformation")
    bucket = bucket or f"sevenstamp-connector-artifacts-{account}-{client.region}"
    _ensure_bucket(s3, bucket, client.region)

    code = (out / "deployment.zip").read_bytes()
    code_key = f"{client.stage}/{hashlib.sha256(code).hexdigest()[:20]}.zip"
    _upload(s3, bucket, code_key, code)
    template = json.loads(template_path.read_text())
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = {"Bucket": bucket, "Key": code_key}
    if prepare is not None:
        template = prepare(template)
    body = json.dumps(template).encode()
    template_key = f"{client.stage}/template-{hashlib.sha256(body).hexdigest()[:20]}.json"
    _upload(s3, bucket, template_key, body)
    template_url = f"https://{bucket}.s3.{client.region}.amazonaws.com/{template_key}"

    tags = {CLIENT_TAG: client.stage, VERSION_TAG: version()}
    existing = describe(cf, client.stack)
    if existing is not None and existing["StackStatus"] in FAILED:
        raise PackageError(
            f"{client.stack} is {existing['StackStatus']} after an earlier failure; "
            f"remove it with make destroy STAGE={client.stage} and deploy again."
        )
    if existing is not None:
        _refuse_unsafe(cf, client.stack, template)
    public = client.public_url or (outputs_of(existing).get("EndpointURL", "").rstrip("/") if existing else "")
    parameters = {"PublicUrl": public, "AlarmEmail": client.alarm_email or ""}
    print(
        f"{'Updating' if existing else 'Creating'} {client.stack} in {client.region} (account {account}, version {tags[VERSION_TAG]})…",
        flush=True,
    )
    _apply(cf, client.stack, template_url, parameters, tags, exists=existing is not None)
    described = describe(cf, client.stack)
    assert described is not None
    endpoint = outputs_of(described).get("EndpointURL", "").rstrip("/")
    if not client.public_url and endpoint and endpoint != public:
        print(f"The API is at {endpoint}: setting it as the connector's public URL…", flush=True)
        _apply(cf, client.stack, template_url, {**parameters, "PublicUrl": endpoint}, tags, exists=True)
        described = describe(cf, client.stack)
        assert described is not None
    return Deployed(client.stack, described["StackStatus"], outputs_of(described), created=existing is None)


def print_deployed(deployed: Deployed) -> None:
    print(f"{deployed.stack}: {deployed.status}")
    for key, value in sorted(deployed.outputs.items()):
        print(f"  {key:20} {value}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.deploy", description=__doc__.splitlines()[0])
    parser.add_argument("--stage", required=True, help="a client recorded with make client")
    parser.add_argument(
        "--bucket", help="S3 bucket for the code (default sevenstamp-connector-artifacts-ACCOUNT-REGION, created if missing)"
    )
    args = parser.parse_args(argv)
    try:
        client = clients.get(args.stage)
        deployed = deploy(client, session_for(client), bucket=args.bucket)
    except PackageError as exc:
        print(exc, file=sys.stderr)
        return 2 if isinstance(exc, Refused | clients.ClientError) else 1
    print_deployed(deployed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
