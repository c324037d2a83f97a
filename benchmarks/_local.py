"""Shared set-up of the benchmarks: loopback AWS endpoints and a free port."""

from __future__ import annotations

import os
import socket

FAKE_AWS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def use_endpoint(url: str) -> None:
    """Point the connector's boto3 clients at ``url`` (moto or dynalite on loopback): services built from now on use it."""
    os.environ.update(FAKE_AWS, AWS_ENDPOINT_URL=url)


def wait_for(url: str, timeout: float = 20.0) -> None:
    """Until something answers HTTP at ``url`` (bounded)."""
    import time

    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not start")
