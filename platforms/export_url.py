"""The URL ``make export`` writes into an app: the connector's real public address, checked before anything is written.

The generators take any http(s) origin (the tests export apps for a stack on 127.0.0.1);
the command a user runs is stricter, because a wrong URL is only found when a Zap fails:
https with a real host name or address; http only for this machine's loopback, with a
warning that no cloud platform can reach it; a README placeholder such as ``<the
connector's URL>`` refused with what to put there instead.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from platforms.common import ExportError

EXAMPLE = "https://abc123.execute-api.eu-west-1.amazonaws.com/api"
_PLACEHOLDER = re.compile(r"[<>{}]|%3C|%3E", re.IGNORECASE)
_HOST_NAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", re.IGNORECASE)


def _loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _real_host(host: str) -> bool:
    """A DNS name with a top-level domain, or an IP address."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return bool(_HOST_NAME.match(host))
    return True


def checked(url: str) -> str | None:
    """Refuse (ExportError) a URL no platform could use; returns a warning to print for a loopback http URL, else None."""
    if _PLACEHOLDER.search(url):
        raise ExportError(
            f"URL still holds a placeholder ({url!r}): put the connector's own address there, e.g. {EXAMPLE} "
            "(the EndpointURL that make deploy prints), or pass STAGE=name instead of URL for a deployed client"
        )
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    if parts.scheme == "http" and _loopback(host):
        return (
            f"warning: {url} is this machine's loopback over plain http: an n8n or a test on this machine can use the app, "
            "but Zapier, Make and Power Automate (in the cloud) cannot reach it; export again with the https URL to publish it"
        )
    if parts.scheme != "https":
        raise ExportError(f"URL must start with https:// (got {url!r}); plain http is accepted only for 127.0.0.1 or localhost")
    if not _real_host(host):
        raise ExportError(f"URL must name a real host, such as {EXAMPLE} (got {url!r})")
    return None
