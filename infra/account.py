"""The AWS session of one client, and the check every AWS-touching command makes first: right account, or nothing.

An agency holds credentials for many clients' accounts; a command for client B run with
client A's credentials would put B's stack in A's account. So each command asks STS whose
credentials are active and refuses, before any other call, when that is not the account
recorded for the client (or when there are no credentials at all).
"""

from __future__ import annotations

from typing import Any

from infra.clients import Client
from infra.package import PackageError

NO_CREDENTIALS = (
    "No AWS credentials found, so nothing was done. Configure them first "
    "(aws configure, AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) and run again."
)


class Refused(PackageError):
    """The command cannot start (no credentials, or another account's); nothing was built or changed."""


def session_for(client: Client, *, use_profile: bool = True) -> Any:
    """A boto3 session in the client's region, with its recorded profile (a rehearsal uses the stand-in's keys instead)."""
    import boto3
    from botocore.exceptions import ProfileNotFound

    try:
        return boto3.session.Session(profile_name=client.profile if use_profile else None, region_name=client.region)
    except ProfileNotFound as exc:
        raise Refused(f"AWS profile {client.profile!r} (recorded for client {client.stage}) is not configured on this machine.") from exc


def active_account(session: Any) -> str:
    """The account of the session's credentials; Refused when there are none or they do not work."""
    from botocore.exceptions import BotoCoreError, ClientError

    if session.get_credentials() is None:
        raise Refused(NO_CREDENTIALS)
    try:
        return str(session.client("sts").get_caller_identity()["Account"])
    except (BotoCoreError, ClientError) as exc:
        raise Refused(f"The AWS credentials do not work ({exc}); nothing was done.") from exc


def check_account(session: Any, client: Client) -> str:
    """The client's account when the active credentials belong to it; Refused (naming both accounts) otherwise."""
    account = active_account(session)
    if account != client.account:
        raise Refused(
            f"The active AWS credentials belong to account {account}, but client {client.stage} is recorded in account "
            f"{client.account}; nothing was done. Use that account's credentials"
            + (f" (profile {client.profile})" if client.profile else "")
            + f", or record another account with make client STAGE={client.stage} ACCOUNT=…"
        )
    return account
