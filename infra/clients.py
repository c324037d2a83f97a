"""`make client STAGE=x …` (python -m infra.clients --stage x …): record an agency's client, no file edited by hand.

A client is one stage: its AWS side (account, profile, region, alarm e-mail, domain) is
kept in ``infra/clients.json``, its connector settings (phone region, 7stamp's address, the
allowed locations and businesses) in the stage's ``environment_variables`` of
``.chalice/config.json``, which ``chalice package`` reads. Running the command again changes
only the values it is given; ``none`` clears an optional one.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from infra.package import CHALICE_CONFIG, ROOT, PackageError

CLIENTS_FILE = ROOT / "infra" / "clients.json"
CLEAR = "none"

_STAGE = re.compile(r"^[a-z][a-z0-9-]{0,29}[a-z0-9]$")  # the stack, bucket prefix and tags all accept it
_ACCOUNT = re.compile(r"^\d{12}$")
_PROFILE = re.compile(r"^[\w.@+-]{1,64}$")
_EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+\.[A-Za-z]{2,}$")
_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_LOCAL_HOSTS = ("127.0.0.1", "localhost")

# the stage's environment variable each connector setting is written to
STAGE_VARIABLES = {
    "phone_region": "DEFAULT_PHONE_REGION",
    "sevenstamp_api_url": "SEVENSTAMP_API_URL",
    "allowed_locations": "CONNECTOR_ALLOWED_LOCATIONS",
    "allowed_businesses": "CONNECTOR_ALLOWED_BUSINESSES",
}


class ClientError(PackageError):
    """A client's settings are not acceptable, or the client is not recorded; the message names the value."""


@dataclass(frozen=True)
class Client:
    """One client as recorded: where its stack lives (account, region, profile) and who hears its alarms."""

    stage: str
    account: str
    region: str
    profile: str | None = None
    alarm_email: str | None = None
    domain: str | None = None

    @property
    def stack(self) -> str:
        return f"sevenstamp-connector-{self.stage}"

    @property
    def public_url(self) -> str | None:
        """The connector's address when the client has its own domain; otherwise the stack's API address."""
        return f"https://{self.domain}" if self.domain else None


def dump(value: Any, indent: int = 0) -> str:
    """JSON as the project writes it by hand: two spaces, and a small flat object on one line (short diffs)."""
    if isinstance(value, dict) and value:
        flat = json.dumps(value)
        if all(not isinstance(v, dict | list) for v in value.values()) and len(flat) + indent < 100:
            return flat
        pad = " " * (indent + 2)
        items = [f"{pad}{json.dumps(k)}: {dump(v, indent + 2)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
    return json.dumps(value)


def load_all(path: Path = CLIENTS_FILE) -> dict[str, Client]:
    if not path.exists():
        return {}
    raw = json.loads(path.read_text())["clients"]
    names = {f.name for f in fields(Client)}
    return {stage: Client(stage=stage, **{k: v for k, v in values.items() if k in names}) for stage, values in raw.items()}


def get(stage: str, path: Path = CLIENTS_FILE) -> Client:
    clients = load_all(path)
    if stage not in clients:
        known = ", ".join(sorted(clients)) or "none yet"
        raise ClientError(
            f"client {stage!r} is not recorded (clients: {known}); record it with make client STAGE={stage} ACCOUNT=… REGION=…"
        )
    return clients[stage]


def _save(clients: dict[str, Client], path: Path) -> None:
    body = {
        "about": "The agency's clients, one stack each; written by `make client`, read by deploy, rehearse, clients, upgrade-all, destroy.",
        "clients": {
            c.stage: {k: v for k, v in asdict(c).items() if k != "stage" and v is not None}
            for c in sorted(clients.values(), key=lambda c: c.stage)
        },
    }
    path.write_text(dump(body) + "\n")


def stage_environment(stage: str, config_path: Path = CHALICE_CONFIG) -> dict[str, str]:
    """The connector's environment for ``stage`` as chalice packages it (the top level, then the stage's own)."""
    config = json.loads(config_path.read_text())
    return {**config.get("environment_variables", {}), **config["stages"].get(stage, {}).get("environment_variables", {})}


def _regions() -> set[str]:
    import boto3

    session = boto3.session.Session()
    return {r for partition in ("aws", "aws-us-gov", "aws-cn") for r in session.get_available_regions("cloudformation", partition)}


def _check(name: str, value: str, pattern: re.Pattern[str], what: str) -> str:
    if not pattern.match(value):
        raise ClientError(f"{name}={value!r} is not {what}")
    return value


def _check_url(value: str) -> str:
    """7stamp's address: https, or http on this machine (the sandbox in a rehearsal)."""
    match = re.match(r"^(https?)://([^/:\s]+)(:\d+)?(/\S*)?$", value)
    if not match or (match.group(1) == "http" and match.group(2) not in _LOCAL_HOSTS):
        raise ClientError(f"SEVENSTAMP_API_URL={value!r} is not an https URL (http only on 127.0.0.1 or localhost)")
    return value.rstrip("/")


def _check_ids(name: str, value: str) -> str:
    ids = [i.strip() for i in value.split(",") if i.strip()]
    if not ids:
        raise ClientError(f"{name} is empty; give comma-separated ids, or {CLEAR} to allow every one")
    for one in ids:
        _check(name, one, _ID, "a list of ids (letters, digits, _ and -, comma-separated)")
    return ",".join(ids)


def _account_from_credentials(profile: str | None) -> str:
    """The active credentials' account, for a client recorded without ACCOUNT=."""
    import boto3
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError as AwsError

    try:
        session = boto3.session.Session(profile_name=profile)
        if session.get_credentials() is None:
            raise ClientError("no ACCOUNT= given and no AWS credentials to read it from; give ACCOUNT=<12 digits>")
        return str(session.client("sts", region_name=session.region_name or "us-east-1").get_caller_identity()["Account"])
    except (BotoCoreError, AwsError) as exc:
        raise ClientError(f"no ACCOUNT= given and the active AWS credentials cannot tell theirs ({exc}); give ACCOUNT=<12 digits>") from exc


def record(stage: str, options: dict[str, str | None], clients_path: Path = CLIENTS_FILE, config_path: Path = CHALICE_CONFIG) -> Client:
    """Add or change client ``stage`` with the options given (None = keep; ``none`` = clear); writes both files."""
    _check("STAGE", stage, _STAGE, "a stage name (2-31 lowercase letters, digits and -, starting with a letter)")
    given = {k: v.strip() for k, v in options.items() if v is not None and v.strip() != ""}
    clients = load_all(clients_path)
    known = clients.get(stage)
    aws: dict[str, Any] = asdict(known) if known else {"stage": stage}
    for key in ("account", "region", "profile", "alarm_email", "domain"):
        if key in given:
            aws[key] = None if given[key].lower() == CLEAR else given[key]
    if aws.get("account"):
        _check("ACCOUNT", aws["account"], _ACCOUNT, "an AWS account id (12 digits)")
    else:
        aws["account"] = _account_from_credentials(aws.get("profile"))
    if not aws.get("region"):
        raise ClientError(f"client {stage} has no region yet; give REGION=<an AWS region, e.g. eu-west-1>")
    if aws["region"] not in _regions():
        raise ClientError(f"REGION={aws['region']!r} is not an AWS region")
    if aws.get("profile"):
        _check("PROFILE", aws["profile"], _PROFILE, "an AWS profile name")
    if aws.get("alarm_email"):
        _check("ALARM_EMAIL", aws["alarm_email"], _EMAIL, "an e-mail address")
    if aws.get("domain"):
        aws["domain"] = _check("DOMAIN", aws["domain"].lower(), _DOMAIN, "a domain name (e.g. loyalty.client-b.com)")
    client = Client(**aws)

    config = json.loads(config_path.read_text())
    stage_config = config["stages"].setdefault(stage, {"api_gateway_stage": "api"})
    variables = stage_config.setdefault("environment_variables", {})
    for key, variable in STAGE_VARIABLES.items():
        if key not in given:
            continue
        value = given[key]
        if value.lower() == CLEAR:
            variables.pop(variable, None)
        elif key == "phone_region":
            variables[variable] = _check("PHONE_REGION", value.upper(), _COUNTRY, "a two-letter country code (e.g. DE)")
        elif key == "sevenstamp_api_url":
            variables[variable] = _check_url(value)
        else:
            variables[variable] = _check_ids(variable.removeprefix("CONNECTOR_"), value)
    if not variables:
        stage_config.pop("environment_variables")
    config_path.write_text(dump(config) + "\n")
    clients[stage] = client
    _save(clients, clients_path)
    return replace(client)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.clients", description=__doc__.splitlines()[0])
    parser.add_argument("--stage", required=True)
    for option in ("account", "region", "profile", "alarm-email", "domain", *(k.replace("_", "-") for k in STAGE_VARIABLES)):
        parser.add_argument(f"--{option}")
    args = vars(parser.parse_args(argv))
    stage = args.pop("stage")
    try:
        client = record(stage, args)
    except ClientError as exc:
        print(f"make client: {exc}", file=sys.stderr)
        return 2
    settings = stage_environment(stage)
    print(
        f"Client {stage}: stack {client.stack} in account {client.account}, region {client.region}"
        + (f" (profile {client.profile})" if client.profile else "")
    )
    print(f"  alarms to      {client.alarm_email or '(nobody: give ALARM_EMAIL=…)'}")
    print(f"  address        {client.public_url or 'the API address of the stack (no DOMAIN)'}")
    for variable in STAGE_VARIABLES.values():
        if variable in settings:
            print(f"  {variable:30} {settings[variable]}")
    print(f"Next: make deploy STAGE={stage}  (or make rehearse STAGE={stage} to try it on a local AWS stand-in first)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
