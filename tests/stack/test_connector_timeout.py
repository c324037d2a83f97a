"""The local server closes a connection that stalls mid-request (issue 23.10): no thread is held forever."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest

from stack.connector import SOCKET_TIMEOUT, _RequestHandler


@pytest.mark.parametrize(
    "sent",
    [
        b'POST /v1/hooks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"ev',  # a body cut short
        b"GET /v1/me HTTP/1.1\r\nHost: x\r\n",  # headers never finished
    ],
)
def test_a_stalled_request_is_closed_after_the_socket_timeout(connector_server: str, monkeypatch: pytest.MonkeyPatch, sent: bytes) -> None:
    assert 0 < SOCKET_TIMEOUT <= 30
    monkeypatch.setattr(_RequestHandler, "timeout", 0.5)  # read as each new connection is set up
    address = urlsplit(connector_server)
    with socket.create_connection((address.hostname, address.port), timeout=10) as client:
        client.sendall(sent)
        answer = b""
        for _ in range(100):  # bounded: the server closes the connection (recv returns b"") long before 10 s run out
            chunk = client.recv(4096)
            if not chunk:
                break
            answer += chunk
    assert b" 200 " not in answer.split(b"\r\n", 1)[0]  # the handler never ran on half a request
