"""`make rehearse STAGE=x` (python -m infra.rehearse --stage x): the deploy path, start to end, against moto on 127.0.0.1.

It runs `make deploy`'s own code (package, lint, account check, upload, create or update,
wait) against a moto server, then checks what the stack created against the template.
moto runs no CloudFormation transform, so the SAM template is expanded here with
samtranslator first, as CloudFormation would. moto runs no Lambda code and serves no API
Gateway traffic: the rehearsal proves the stack's shape, not the connector's behaviour.

Resources moto's CloudFormation does not model are named, with the resources they refer
to (which must exist), and taken out of what moto is sent; references to them become the
text ``unmodelled:<name>.<attribute>``. The exit status is 1 when the stack fails or a
modelled resource is missing or differs from the template.

With ``AWS_ENDPOINT_URL`` pointing at a moto server on this machine the rehearsal deploys
there once (a second run is an update); without it, it starts its own moto server in the
client's account, deploys twice (create, then update) and stops it.
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from infra import clients
from infra.account import Refused, session_for
from infra.deploy import Deployed, Prepare, deploy, print_deployed
from infra.package import BIN, PackageError

LOCAL_HOSTS = ("127.0.0.1", "localhost")
# modelled by moto, yet not as AWS does it: moto's RestApi ignores the OpenAPI body, so a deployment finds no method
MOTO_GAPS = {"AWS::ApiGateway::Deployment": "moto's RestApi ignores the OpenAPI body, so there is no method to deploy"}
# properties moto's CloudFormation accepts and drops: named in the report, not compared
MOTO_IGNORES = {("AWS::DynamoDB::Table", "TimeToLiveSpecification"): "moto's CloudFormation does not apply a table's time to live"}
# the mapping settings compared with what Lambda reports (whatever the template declares among them)
MAPPING_SETTINGS = (
    "BatchSize",
    "BisectBatchOnFunctionError",
    "FunctionResponseTypes",
    "MaximumBatchingWindowInSeconds",
    "MaximumRecordAgeInSeconds",
    "MaximumRetryAttempts",
    "ParallelizationFactor",
    "ScalingConfig",
)


@dataclass
class Gaps:
    """What moto was not sent: logical id -> (type, why), and what each refers to."""

    resources: dict[str, tuple[str, str]] = field(default_factory=dict)
    references: dict[str, set[str]] = field(default_factory=dict)
    properties: dict[str, list[str]] = field(default_factory=dict)  # why -> logical ids whose property moto drops
    expanded: dict[str, Any] = field(default_factory=dict)


def expand(template: dict[str, Any], region: str) -> dict[str, Any]:
    """The SAM transform, run here as CloudFormation runs it on AWS (chalice's functions name their roles: no managed policies)."""
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name=region))
    return dict(translator.translate(copy.deepcopy(template), parameter_values={}, get_managed_policy_map=dict))


def _references(value: Any) -> set[str]:
    """Logical ids a piece of template refers to (Ref, Fn::GetAtt, ${…} in Fn::Sub)."""
    found: set[str] = set()
    if isinstance(value, dict):
        if "Ref" in value and isinstance(value["Ref"], str):
            found.add(value["Ref"])
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            found.add(target.split(".")[0] if isinstance(target, str) else target[0])
        if "Fn::Sub" in value:
            text = value["Fn::Sub"] if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"][0]
            found |= {m.split(".")[0] for m in re.findall(r"\$\{([A-Za-z0-9.:]+)\}", text)}
        for item in value.values():
            found |= _references(item)
    elif isinstance(value, list):
        for item in value:
            found |= _references(item)
    return {f for f in found if not f.startswith("AWS::")}


def _without(value: Any, gone: set[str]) -> Any:
    """``value`` with every reference to a resource in ``gone`` replaced by the text ``unmodelled:<name>[.<attribute>]``."""
    if isinstance(value, dict):
        if set(value) == {"Ref"} and value["Ref"] in gone:
            return f"unmodelled:{value['Ref']}"
        if set(value) == {"Fn::GetAtt"}:
            target = value["Fn::GetAtt"]
            parts = target.split(".", 1) if isinstance(target, str) else target
            if parts[0] in gone:
                return f"unmodelled:{parts[0]}.{parts[1]}"
        if set(value) == {"Fn::Sub"}:

            def replace(text: str) -> str:
                return re.sub(
                    r"\$\{([A-Za-z0-9]+)(\.[A-Za-z0-9.]+)?\}",
                    lambda m: f"unmodelled:{m.group(1)}{m.group(2) or ''}" if m.group(1) in gone else m.group(0),
                    text,
                )

            sub = value["Fn::Sub"]
            return {"Fn::Sub": replace(sub) if isinstance(sub, str) else [replace(sub[0]), _without(sub[1], gone)]}
        return {k: _without(v, gone) for k, v in value.items()}
    if isinstance(value, list):
        return [_without(v, gone) for v in value]
    return value


def for_moto(template: dict[str, Any], gaps: Gaps) -> dict[str, Any]:
    """The expanded template as moto can take it; ``gaps`` records what was left out and why."""
    from moto.cloudformation.parsing import NULL_MODELS, get_model_map

    modelled = set(get_model_map()) | set(NULL_MODELS)
    resources = template["Resources"]
    for name, resource in resources.items():
        kind = resource["Type"]
        if kind in MOTO_GAPS:
            gaps.resources[name] = (kind, MOTO_GAPS[kind])
        elif kind not in modelled:
            gaps.resources[name] = (kind, "not modelled by moto's CloudFormation")
        for (ignored_kind, key), why in MOTO_IGNORES.items():
            if kind == ignored_kind and key in resource.get("Properties", {}):
                gaps.properties.setdefault(why, []).append(name)
    gone = set(gaps.resources)
    for name in gone:
        gaps.references[name] = _references(resources[name]) - gone - set(template.get("Parameters", {}))
    kept: dict[str, Any] = {}
    for name, resource in resources.items():
        if name in gone:
            continue
        resource = _without(resource, gone)
        depends = resource.get("DependsOn")
        if depends:
            depends = [d for d in ([depends] if isinstance(depends, str) else depends) if d not in gone]
            resource = {**resource, "DependsOn": depends} if depends else {k: v for k, v in resource.items() if k != "DependsOn"}
        if resource["Type"] == "AWS::ApiGateway::RestApi" and "Name" not in resource["Properties"]:
            # AWS names an imported API after its OpenAPI title; moto wants the name given
            resource["Properties"]["Name"] = resource["Properties"].get("Body", {}).get("info", {}).get("title", name)
        kept[name] = resource
    return {**template, "Resources": kept, "Outputs": _without(template.get("Outputs", {}), gone)}


def rehearsal_template(gaps: Gaps, region: str) -> Prepare:
    """deploy()'s ``prepare`` step for moto: expand the transform, keep the result for the checks, leave out what moto lacks."""

    def prepare(template: dict[str, Any]) -> dict[str, Any]:
        gaps.resources.clear()
        gaps.references.clear()
        gaps.properties.clear()
        gaps.expanded = expand(template, region)
        return for_moto(gaps.expanded, gaps)

    return prepare


class Checker:
    """Compares what moto created with the expanded template; every difference is a line in ``problems``."""

    def __init__(self, session: Any, stack: str, template: dict[str, Any], gaps: Gaps) -> None:
        self.session = session
        self.template = template
        self.gaps = gaps
        listed = session.client("cloudformation").describe_stack_resources(StackName=stack)["StackResources"]
        self.physical = {r["LogicalResourceId"]: r.get("PhysicalResourceId", "") for r in listed}
        self.problems: list[str] = []
        self.checked = 0

    def _expect(self, what: str, found: Any, wanted: Any) -> None:
        self.checked += 1
        if found != wanted:
            self.problems.append(f"{what}: the template declares {wanted!r}, the stack has {found!r}")

    def _arn(self, value: Any) -> Any:
        """A template value with Fn::GetAtt of a queue's or table's ARN resolved against the stack."""
        if isinstance(value, dict) and "Fn::GetAtt" in value:
            name, attribute = value["Fn::GetAtt"]
            if attribute == "Arn" and self.template["Resources"][name]["Type"] == "AWS::SQS::Queue":
                return self.session.client("sqs").get_queue_attributes(QueueUrl=self.physical[name], AttributeNames=["QueueArn"])[
                    "Attributes"
                ]["QueueArn"]
            if attribute == "StreamArn":
                return self.session.client("dynamodb").describe_table(TableName=self.physical[name])["Table"].get("LatestStreamArn")
        if isinstance(value, dict):
            return {k: self._arn(v) for k, v in value.items()}
        return value

    def run(self) -> list[str]:
        resources = self.template["Resources"]
        for name, resource in resources.items():
            if name in self.gaps.resources:
                continue
            self._expect(f"{name} ({resource['Type']}) exists", name in self.physical, True)
        for name, resource in resources.items():
            if name not in self.physical:
                continue
            check = {
                "AWS::DynamoDB::Table": self.table,
                "AWS::SQS::Queue": self.queue,
                "AWS::Lambda::EventSourceMapping": self.mapping,
                "AWS::Lambda::Function": self.function,
            }.get(resource["Type"])
            if check:
                check(name, resource.get("Properties", {}))
        for name, refers in self.gaps.references.items():
            for target in sorted(refers):
                self._expect(f"{name} (not modelled) refers to {target}, which the stack created", target in self.physical, True)
        return self.problems

    def table(self, name: str, props: dict[str, Any]) -> None:
        db = self.session.client("dynamodb")
        table = db.describe_table(TableName=self.physical[name])["Table"]
        self._expect(f"{name} key schema", table["KeySchema"], props["KeySchema"])
        wanted_indexes = sorted(i["IndexName"] for i in props.get("GlobalSecondaryIndexes", []))
        self._expect(
            f"{name} global secondary indexes", sorted(i["IndexName"] for i in table.get("GlobalSecondaryIndexes", [])), wanted_indexes
        )
        stream = props.get("StreamSpecification", {}).get("StreamViewType")
        found_stream = (
            table.get("StreamSpecification", {}).get("StreamViewType")
            if table.get("StreamSpecification", {}).get("StreamEnabled")
            else None
        )
        self._expect(f"{name} stream", found_stream, stream)
        ttl = props.get("TimeToLiveSpecification")
        if ttl and not any(name in names for names in self.gaps.properties.values()):
            described = db.describe_time_to_live(TableName=self.physical[name])["TimeToLiveDescription"]
            self._expect(
                f"{name} time to live",
                (described.get("TimeToLiveStatus"), described.get("AttributeName")),
                ("ENABLED", ttl["AttributeName"]),
            )

    def queue(self, name: str, props: dict[str, Any]) -> None:
        import json

        attributes = self.session.client("sqs").get_queue_attributes(QueueUrl=self.physical[name], AttributeNames=["All"])["Attributes"]
        for key in ("VisibilityTimeout", "MessageRetentionPeriod"):
            if key in props:
                self._expect(f"{name} {key}", int(attributes.get(key, -1)), props[key])
        if "RedrivePolicy" in props:
            policy = json.loads(attributes.get("RedrivePolicy", "{}"))
            wanted = self._arn(props["RedrivePolicy"])
            self._expect(
                f"{name} redrive policy",
                (policy.get("deadLetterTargetArn"), int(policy.get("maxReceiveCount", 0))),
                (wanted["deadLetterTargetArn"], wanted["maxReceiveCount"]),
            )

    def mapping(self, name: str, props: dict[str, Any]) -> None:
        found = self.session.client("lambda").get_event_source_mapping(UUID=self.physical[name])
        self._expect(f"{name} source", found.get("EventSourceArn"), self._arn(props["EventSourceArn"]))
        for key in MAPPING_SETTINGS:
            if key in props:
                self._expect(f"{name} {key}", found.get(key), props[key])
        if "DestinationConfig" in props:
            wanted = self._arn(props["DestinationConfig"])["OnFailure"]["Destination"]
            self._expect(
                f"{name} on-failure destination", found.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination"), wanted
            )

    def function(self, name: str, props: dict[str, Any]) -> None:
        found = self.session.client("lambda").get_function_configuration(FunctionName=self.physical[name])
        for key in ("Runtime", "Handler", "Timeout", "MemorySize"):
            if key in props:
                self._expect(f"{name} {key}", found.get(key), props[key])
        wanted = set(props.get("Environment", {}).get("Variables", {}))
        self._expect(f"{name} environment variables", wanted - set(found.get("Environment", {}).get("Variables", {})), set())


@contextmanager
def moto_server(account: str) -> Iterator[str]:
    """A moto server on a free port of 127.0.0.1, in ``account``; stopped on the way out."""
    import socket
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    env = {**os.environ, "MOTO_ACCOUNT_ID": account}
    process = subprocess.Popen(
        [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise PackageError("the moto server did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def local_endpoint(url: str) -> str:
    """``url`` when it is a server on this machine; a rehearsal never goes anywhere else."""
    if urlparse(url).hostname not in LOCAL_HOSTS:
        raise Refused(f"AWS_ENDPOINT_URL={url} is not on this machine; a rehearsal runs only against a local moto server.")
    return url


def rehearse_once(client: clients.Client) -> tuple[Deployed, list[str], Gaps, int]:
    gaps = Gaps()
    session = session_for(client, use_profile=False)
    deployed = deploy(client, session, prepare=rehearsal_template(gaps, client.region))
    checker = Checker(session, client.stack, gaps.expanded, gaps)
    problems = checker.run()
    return deployed, problems, gaps, checker.checked


def report(deployed: Deployed, problems: list[str], gaps: Gaps, checked: int) -> bool:
    print_deployed(deployed)
    print(f"Checked {checked} settings of the created resources against the template: {len(problems)} differ.")
    for problem in problems:
        print(f"  DIFFERS  {problem}")
    if gaps.resources:
        print("Not rehearsed (moto does not model them; their references were checked):")
        for name, (kind, why) in sorted(gaps.resources.items()):
            refers = ", ".join(sorted(gaps.references.get(name, ()))) or "nothing"
            print(f"  {name:32} {kind:34} {why}; refers to {refers}")
    for why, names in sorted(gaps.properties.items()):
        print(f"Not rehearsed: {why} ({', '.join(sorted(names))}).")
    ok = deployed.status in ("CREATE_COMPLETE", "UPDATE_COMPLETE") and not problems
    print(f"Rehearsal of {deployed.stack}: {'passed' if ok else 'FAILED'} (moto ran no Lambda code and no API Gateway traffic).")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.rehearse", description=__doc__.splitlines()[0])
    parser.add_argument("--stage", required=True, help="a client recorded with make client")
    args = parser.parse_args(argv)
    try:
        client = clients.get(args.stage)
        given = os.environ.get("AWS_ENDPOINT_URL", "").strip()
        os.environ.pop("AWS_PROFILE", None)
        if not os.environ.get("AWS_ACCESS_KEY_ID"):
            os.environ.update(AWS_ACCESS_KEY_ID="rehearsal", AWS_SECRET_ACCESS_KEY="rehearsal")  # moto takes any keys
        if given:
            local_endpoint(given)
            return 0 if report(*rehearse_once(client)) else 1
        with moto_server(client.account) as url:
            os.environ["AWS_ENDPOINT_URL"] = url
            print(f"moto on {url} (account {client.account}); deploying twice: create, then update.", flush=True)
            for _ in range(2):
                if not report(*rehearse_once(client)):
                    return 1
        return 0
    except PackageError as exc:
        print(exc, file=sys.stderr)
        return 2 if isinstance(exc, Refused | clients.ClientError) else 1


if __name__ == "__main__":
    raise SystemExit(main())
