"""`make deploy STAGE=x` (python -m infra.deploy --stage x): one client's connector on AWS.

Package and lint as `make package` does, then `aws cloudformation package` (the code to an
S3 bucket) and `aws cloudformation deploy` to the stack ``sevenstamp-connector-<stage>``,
then print the stack's outputs. Without AWS credentials it refuses before doing anything.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from typing import Any

from infra.package import CHALICE_CONFIG, ROOT, PackageError, check_stage, lint, package

NO_CREDENTIALS = (
    "No AWS credentials found, so nothing was deployed. Configure them first "
    "(aws configure, AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) and run again."
)


class Refused(PackageError):
    """Deploying cannot start (no credentials, no region, no AWS CLI); nothing was built or changed."""


def stack_name(stage: str) -> str:
    return f"sevenstamp-connector-{stage}"


def _account_and_region() -> tuple[str, str]:
    """Who deploys, and where; raises PackageError with the refusal when there are no usable credentials."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    session = boto3.session.Session()
    if session.get_credentials() is None:
        raise Refused(NO_CREDENTIALS)
    if not session.region_name:
        raise Refused("No AWS region configured: set AWS_REGION (or a region in your AWS profile) and run again.")
    try:
        account = session.client("sts").get_caller_identity()["Account"]
    except (BotoCoreError, ClientError) as exc:
        raise Refused(f"The AWS credentials do not work ({exc}); nothing was deployed.") from exc
    return str(account), session.region_name


def _ensure_bucket(name: str, region: str) -> None:
    """The bucket for the code zip; created (private, in the stack's region) when it does not exist yet."""
    import boto3
    from botocore.exceptions import ClientError

    s3 = boto3.session.Session(region_name=region).client("s3")
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


def _aws_cli() -> str:
    aws = shutil.which("aws")
    if aws is None:
        raise Refused("The AWS CLI (aws) is not installed; install it (pip install awscli) and run again.")
    return aws


def _aws(*args: str) -> str:
    done = subprocess.run([_aws_cli(), *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise PackageError(f"aws {' '.join(args[:2])} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def _outputs(stack: str, region: str) -> dict[str, str]:
    answer = json.loads(_aws("cloudformation", "describe-stacks", "--stack-name", stack, "--region", region, "--output", "json"))
    return {o["OutputKey"]: o["OutputValue"] for o in answer["Stacks"][0].get("Outputs", [])}


def deploy(stage: str, bucket: str | None) -> dict[str, str]:
    check_stage(stage)
    account, region = _account_and_region()
    _aws_cli()
    out = ROOT / "build" / stage
    template = package(stage, out, region)
    lint(template, region)
    bucket = bucket or f"sevenstamp-connector-artifacts-{account}-{region}"
    _ensure_bucket(bucket, region)
    packaged = out / "packaged.json"
    _aws(
        "cloudformation",
        "package",
        "--template-file",
        str(template),
        "--s3-bucket",
        bucket,
        "--s3-prefix",
        stage,
        "--output-template-file",
        str(packaged),
        "--use-json",
        "--region",
        region,
    )
    stack = stack_name(stage)
    print(f"Deploying {stack} to {region} (account {account})…", flush=True)
    _aws(
        "cloudformation",
        "deploy",
        "--template-file",
        str(packaged),
        "--stack-name",
        stack,
        "--region",
        region,
        "--capabilities",
        "CAPABILITY_IAM",
        "CAPABILITY_AUTO_EXPAND",
        "--no-fail-on-empty-changeset",
        "--tags",
        f"client-stage={stage}",
    )
    return _outputs(stack, region)


def _public_url_note(stage: str, endpoint: str) -> str | None:
    config = json.loads(CHALICE_CONFIG.read_text())
    configured = config["stages"][stage].get("environment_variables", {}).get("CONNECTOR_PUBLIC_URL", "")
    if configured.rstrip("/") == endpoint.rstrip("/"):
        return None
    return (
        f"CONNECTOR_PUBLIC_URL of stage {stage} is {configured or '(unset)'}, the API is at {endpoint}.\n"
        f"Unless {configured or 'it'} is a custom domain in front of this API, set it to {endpoint.rstrip('/')} in "
        f".chalice/config.json and run make deploy STAGE={stage} again: it is the connector's address (7stamp's webhooks go to InboundURL)."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.deploy", description=__doc__.splitlines()[0])
    parser.add_argument("--stage", required=True, help="a stage of .chalice/config.json (one per client)")
    parser.add_argument(
        "--bucket", help="S3 bucket for the code (default sevenstamp-connector-artifacts-ACCOUNT-REGION, created if missing)"
    )
    args = parser.parse_args(argv)
    try:
        outputs = deploy(args.stage, args.bucket)
    except PackageError as exc:
        print(exc, file=sys.stderr)
        return 2 if isinstance(exc, Refused) else 1
    print(f"Deployed {stack_name(args.stage)}:")
    for key, value in sorted(outputs.items()):
        print(f"  {key:20} {value}")
    note = _public_url_note(args.stage, outputs.get("EndpointURL", ""))
    if note:
        print("\n" + note)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
