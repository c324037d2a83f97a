"""The address guard for subscriber URLs: only public addresses, checked at subscribe and at every delivery.

The host is resolved here and every address must be public (no private, loopback,
link-local (169.254.169.254 included), CGNAT, multicast or reserved address, and no IPv4
hidden in IPv6: mapped, NAT64, 6to4, Teredo). The caller then connects to the address
that was checked, so a DNS answer that changes between check and connect cannot steer
the request. ``allow_private`` (CONNECTOR_ALLOW_PRIVATE_TARGETS, local development only)
lets ``http`` and loopback through, nothing else.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from chalicelib.errors import ValidationFailed

_EMBEDDING_V6 = (
    ipaddress.ip_network("64:ff9b::/96"),  # NAT64
    ipaddress.ip_network("64:ff9b:1::/48"),  # local-use NAT64
    ipaddress.ip_network("2002::/16"),  # 6to4
    ipaddress.ip_network("2001::/32"),  # Teredo
)
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


# Ports of well-known services that are not web servers, refused at subscribe (issue 23): a subscription
# must not turn the connector into a tool for sending signed POSTs at someone's mail or database server.
# Below 1024 only 80 and 443 serve the web; above it, these are the services commonly found open.
_WEB_PORTS_BELOW_1024 = frozenset({80, 443})
SERVICE_PORTS = {
    1433: "SQL Server",
    1521: "Oracle",
    2049: "NFS",
    2181: "ZooKeeper",
    2375: "the Docker API",
    2376: "the Docker API",
    2379: "etcd",
    3306: "MySQL",
    3389: "Remote Desktop",
    4369: "Erlang's port mapper",
    5432: "PostgreSQL",
    5672: "AMQP (RabbitMQ)",
    5900: "VNC",
    6379: "Redis",
    6443: "the Kubernetes API",
    9042: "Cassandra",
    9092: "Kafka",
    9200: "Elasticsearch",
    9300: "Elasticsearch",
    10250: "the Kubernetes kubelet",
    11211: "memcached",
    27017: "MongoDB",
}


def refuse_service_port(url: str) -> None:
    """TargetRefused when the URL's port belongs to a well-known service that is not a web server (22, 25, 3306, 6379…).

    443, 80, and every other port a web server or a self-hosted automation tool listens on
    pass: 8443, 8080, 8000, 5678 (n8n), 1880 (Node-RED), 8123 (Home Assistant), 3000.
    """
    try:
        port = urlsplit(url.strip()).port
    except ValueError:
        return  # not a URL: check() names that problem
    if port is None:
        return
    if port < 1024 and port not in _WEB_PORTS_BELOW_1024:
        raise TargetRefused(f"uses port {port}, reserved for services that are not web servers; use 443 or a web server's port")
    if port in SERVICE_PORTS:
        raise TargetRefused(f"uses port {port}, the port of {SERVICE_PORTS[port]}, not a web server's; use 443 or a web server's port")


class TargetRefused(ValidationFailed):
    """The URL may not be called; the message says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"target_url {reason}", fields={"target_url": reason})
        self.reason = reason


@dataclass(frozen=True)
class Target:
    """A checked URL and the address to connect to."""

    url: str
    scheme: str
    host: str
    port: int
    address: str

    def connect_url(self) -> str:
        """The URL with the checked address in place of the host name."""
        parts = urlsplit(self.url)
        address = f"[{self.address}]" if ":" in self.address else self.address
        path = parts.path or "/"
        return f"{self.scheme}://{address}:{self.port}{path}" + (f"?{parts.query}" if parts.query else "")

    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


def resolve(host: str, port: int) -> list[str]:
    """Every address the host resolves to (numeric forms like 2130706433 included)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError):
        raise TargetRefused("has a host name that does not resolve") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def refusal(ip: IPAddress, allow_private: bool) -> str | None:
    """Why an address is not allowed, or None when it is."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None or any(ip in net for net in _EMBEDDING_V6):
            return "points to an IPv4 address hidden in IPv6"
        if ip.scope_id:
            return "points to a scoped (link-local) address"
    if allow_private and ip.is_loopback:
        return None
    if ip.is_loopback:
        return "points to this machine (loopback)"
    if ip.is_link_local:
        return "points to a link-local address (such as the cloud metadata service)"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return "points to a carrier-grade NAT address"
    if ip.is_multicast:
        return "points to a multicast address"
    if ip.is_private or ip.is_reserved or ip.is_unspecified or not ip.is_global:
        return "points to a private or reserved address"
    return None


def check(url: str, *, allow_private: bool) -> Target:
    """Parse, resolve and check a subscriber URL; TargetRefused (422) names the problem."""
    if not isinstance(url, str) or len(url) > 2048:
        raise TargetRefused("must be a URL of at most 2048 characters")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise TargetRefused("is not a valid URL") from None
    scheme = parts.scheme.lower()
    if scheme != "https" and not (allow_private and scheme == "http"):
        raise TargetRefused("must start with https://")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("must not contain a user name or password")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise TargetRefused("has no host")
    port = port or (443 if scheme == "https" else 80)
    addresses = resolve(host, port)
    if not addresses:
        raise TargetRefused("has a host name that does not resolve")
    for address in addresses:
        reason = refusal(ipaddress.ip_address(address), allow_private)
        if reason:
            raise TargetRefused(reason)
    return Target(url=url.strip(), scheme=scheme, host=host, port=port, address=addresses[0])
