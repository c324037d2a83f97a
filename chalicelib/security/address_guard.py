"""The address guard for subscriber URLs: only public addresses, checked at subscribe and at every delivery.

The host is resolved here and every address must be public (no private, loopback,
link-local (169.254.169.254 included), CGNAT, multicast or reserved address, and no IPv4
hidden in IPv6: mapped, NAT64, 6to4, Teredo). The caller then connects to the address
that was checked, so a DNS answer that changes between check and connect cannot steer
the request. ``allow_private`` (CONNECTOR_ALLOW_PRIVATE_TARGETS, local development only)
lets ``http`` and loopback through, nothing else.

Deliveries go through ``client()``: its transport connects only to the address this
thread's attempt checked (``connecting``), while the request keeps the host's name, so the
pool keys its connections by host (a connection, and the certificate it verified, never
serves another host) and TLS verifies the certificate of the name the subscriber gave.
Every network step of an attempt (DNS included) is bounded by one deadline.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

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


def resolve(host: str, port: int, timeout: float | None = None) -> list[str]:
    """Every address the host resolves to (numeric forms like 2130706433 included); TimeoutError after ``timeout``.

    The system resolver has no deadline of its own, so a bounded lookup runs on a daemon
    thread and is abandoned (it ends when the resolver gives up) when its time is over.
    """
    if timeout is None:
        return _resolve(host, port)
    answer: Future[list[str]] = Future()

    def lookup() -> None:
        try:
            answer.set_result(_resolve(host, port))
        except BaseException as exc:  # handed to the caller, whatever it is
            answer.set_exception(exc)

    threading.Thread(target=lookup, name="resolve", daemon=True).start()
    try:
        return answer.result(timeout=max(0.0, timeout))
    except TimeoutError:
        raise TimeoutError(f"resolving {host} took longer than {timeout:.1f} s") from None


def _resolve(host: str, port: int) -> list[str]:
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


def check(url: str, *, allow_private: bool, timeout: float | None = None) -> Target:
    """Parse, resolve and check a subscriber URL; TargetRefused (422) names the problem, TimeoutError a slow resolver."""
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
    addresses = resolve(host, port, timeout)
    if not addresses:
        raise TargetRefused("has a host name that does not resolve")
    for address in addresses:
        reason = refusal(ipaddress.ip_address(address), allow_private)
        if reason:
            raise TargetRefused(reason)
    return Target(url=url.strip(), scheme=scheme, host=host, port=port, address=addresses[0])


class _Attempt(threading.local):
    """The current thread's attempt: its deadline (monotonic) and the checked address of each host it may connect to."""

    def __init__(self) -> None:
        self.deadline: float | None = None
        self.pinned: dict[tuple[str, int], str] = {}


_attempt = _Attempt()


@contextmanager
def connecting(target: Target, deadline: float) -> Iterator[str]:
    """Within the block, this thread's requests reach ``target``'s host at its checked address, until ``deadline``; yields the URL."""
    url = httpx.URL(target.url)
    key = (url.raw_host.decode("ascii"), target.port)
    _attempt.deadline, _attempt.pinned = deadline, {key: target.address}
    try:
        yield str(url)
    finally:
        _attempt.deadline, _attempt.pinned = None, {}


def _bounded(timeout: float | None, late: type[Exception]) -> float | None:
    """The step's timeout, cut to what is left of the attempt's deadline; ``late`` when nothing is left."""
    deadline = _attempt.deadline
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise late("the attempt's deadline has passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read, write and TLS handshake ends by the deadline of the attempt using it."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None) -> _DeadlineStream:
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, _bounded(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _PinnedBackend(httpcore.NetworkBackend):
    """Opens a connection only to the address the current attempt checked for that host (never resolves a name itself)."""

    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        address = _attempt.pinned.get((host, port))
        if address is None:
            raise httpcore.ConnectError(f"{host}:{port} was not checked by the address guard")
        stream = self._inner.connect_tcp(address, port, _bounded(timeout, httpcore.ConnectTimeout), local_address, socket_options)
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("subscribers are reached over TCP only")


class _GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over a pool whose connections go through ``_PinnedBackend``."""

    def __init__(self, verify: ssl.SSLContext | bool, limits: httpx.Limits) -> None:
        super().__init__(verify=verify, trust_env=False, limits=limits)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_PinnedBackend(),
        )


def client(verify: ssl.SSLContext | bool = True) -> httpx.Client:
    """The one client for subscriber deliveries (a test passes a context trusting its own certificate authority)."""
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=64)
    return httpx.Client(transport=_GuardedTransport(verify, limits), follow_redirects=False, trust_env=False)
