"""Lazily created boto3 clients, shared by all threads of the process.

boto3 is imported on first use so that importing app.py stays cheap; ``AWS_ENDPOINT_URL``
(boto3's own setting) points the clients at moto's server on the local stack. Clients are
thread-safe; the session that makes them is not, hence the lock.
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_clients: dict[str, Any] = {}


def client(service: str) -> Any:
    """The process's boto3 client for ``service`` (dynamodb, dynamodbstreams, sqs, kms)."""
    found = _clients.get(service)
    if found is not None:
        return found
    with _lock:
        if service not in _clients:
            import boto3
            from botocore.config import Config

            config = Config(retries={"mode": "standard", "max_attempts": 4}, max_pool_connections=64)
            _clients[service] = boto3.session.Session().client(service, config=config)
        return _clients[service]


def bounded_client(service: str) -> Any:
    """A second client for ``service`` whose calls end within seconds (2 s to connect, 6 s to read, 2 attempts).

    The events table's write uses it: polling's horizon relies on that write landing
    within a known time of the cursor taken just before it.
    """
    name = f"{service}#bounded"
    found = _clients.get(name)
    if found is not None:
        return found
    with _lock:
        if name not in _clients:
            import boto3
            from botocore.config import Config

            config = Config(connect_timeout=2, read_timeout=6, retries={"mode": "standard", "total_max_attempts": 2}, max_pool_connections=64)
            _clients[name] = boto3.session.Session().client(service, config=config)
        return _clients[name]


def reset() -> None:
    """Forget the clients (tests that move the endpoint call it)."""
    with _lock:
        _clients.clear()
