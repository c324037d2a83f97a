"""A failed attempt's error says what happened: refused, timed out, TLS, or cut off; real sockets on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
import pytest

from chalicelib.pipeline.attempt_errors import describe


@contextmanager
def server(handle: Callable[[socket.socket], None]) -> Iterator[int]:
    """A one-connection TCP server on 127.0.0.1 that does ``handle`` with what it accepts."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        try:
            connection, _ = listener.accept()
        except OSError:
            return
        with connection:
            handle(connection)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        listener.close()
        thread.join(timeout=5)


def _error(url: str, timeout: float = 5.0) -> httpx.HTTPError:
    with pytest.raises(httpx.HTTPError) as caught:
        httpx.post(url, content=b"{}", timeout=timeout)
    return caught.value


def test_nothing_listening_is_refused() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, not listening: a connection is refused
        assert describe(_error(f"http://127.0.0.1:{port}/")).startswith("connection refused")


def test_plain_http_where_tls_was_expected_is_a_tls_failure() -> None:
    with server(lambda c: (c.recv(1024), c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))) as port:
        assert describe(_error(f"https://127.0.0.1:{port}/")).startswith("TLS failed: ")


def test_no_answer_in_time_is_timed_out() -> None:
    stop = threading.Event()
    with server(lambda c: stop.wait(5)) as port:
        try:
            assert describe(_error(f"http://127.0.0.1:{port}/", timeout=0.3)) == "timed out"
        finally:
            stop.set()
    assert describe(httpx.ConnectTimeout("connect")).startswith("timed out connecting")


def test_a_connection_closed_without_an_answer_says_so() -> None:
    with server(lambda c: c.recv(1024)) as port:
        assert describe(_error(f"http://127.0.0.1:{port}/")) == "connection closed by the subscriber before a complete answer"
