"""Lazily created boto3 clients, shared by all threads of the services that own them.

boto3 is imported on first use so that importing app.py stays cheap; ``AWS_ENDPOINT_URL``
(boto3's own setting) points the clients at moto's server on the local stack. Clients are
thread-safe; the session that makes them is not, hence the lock. A fresh ``AwsClients``
(a fresh set of services) reads the environment again.
"""

from __future__ import annotations

import threading
from typing import Any

BOUNDED = {  # the bounded clients' options (a test shortens the read to see a write outlast its caller)
    "connect_timeout": 2,
    "read_timeout": 6,
    "retries": {"mode": "standard", "total_max_attempts": 2},
    "max_pool_connections": 64,
}


class AwsClients:
    """The boto3 clients of one set of services: a standard one per service, and a bounded one where a call must end soon."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        """The client for ``service`` (dynamodb, dynamodbstreams, sqs, kms)."""
        return self._get(service, {"retries": {"mode": "standard", "max_attempts": 4}, "max_pool_connections": 64})

    def bounded_client(self, service: str) -> Any:
        """A second client for ``service`` whose calls end within seconds (2 s to connect, 6 s to read, 2 attempts).

        The events table's write uses it: polling's horizon relies on that write landing
        within a known time of the cursor taken just before it.
        """
        return self._get(f"{service}#bounded", BOUNDED)

    def _get(self, name: str, options: dict[str, Any]) -> Any:
        found = self._clients.get(name)
        if found is not None:
            return found
        with self._lock:
            if name not in self._clients:
                import boto3
                from botocore.config import Config

                self._clients[name] = boto3.session.Session().client(name.partition("#")[0], config=Config(**options))
            return self._clients[name]
