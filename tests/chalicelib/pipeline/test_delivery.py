"""One delivery attempt against subscribers that drip, bomb, lie or share an address: real sockets on 127.0.0.1.

Each test drives ``delivery.post`` with a real client over a real server; only DNS
(which has no local stand-in) is swapped, where a host name is needed.
"""

from __future__ import annotations

import datetime
import gzip
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from chalicelib.pipeline import delivery
from chalicelib.security import address_guard

Answer = Callable[[BaseHTTPRequestHandler], None]


class _Server(ThreadingHTTPServer):
    daemon_threads = True


@contextmanager
def serving(answer: Answer, tls: ssl.SSLContext | None = None) -> Iterator[tuple[int, list[dict[str, str]]]]:
    """A keep-alive HTTP/1.1 server on a free port answering with ``answer``; yields the port and the requests' headers."""
    seen: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            seen.append({k.lower(): v for k, v in self.headers.items()})
            answer(self)

        def log_message(self, *args: object) -> None:
            pass

    server = _Server(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1]), seen
    finally:
        server.shutdown()
        server.server_close()


def services(timeout: float = 2.0, verify: ssl.SSLContext | bool = True) -> SimpleNamespace:
    """What ``post`` reads of the services: two settings and the subscriber client."""
    settings = SimpleNamespace(delivery_timeout_seconds=timeout, allow_private_targets=True)
    return SimpleNamespace(settings=settings, subscriber_http=address_guard.client(verify))


def fake_dns(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    """These names resolve to 127.0.0.1 (DNS has no local stand-in); others as usual."""
    real = socket.getaddrinfo

    def getaddrinfo(host: str, port: int, *args: object, **kwargs: object) -> list:
        if host in names:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(address_guard.socket, "getaddrinfo", getaddrinfo)


def test_a_dripping_subscriber_is_cut_off_at_the_attempts_deadline():
    stop = threading.Event()

    def drip(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", "200")
        h.end_headers()
        for _ in range(200):  # one byte at a time, each well within any per-read timeout
            if stop.wait(0.1):
                return
            try:
                h.wfile.write(b"x")
                h.wfile.flush()
            except OSError:
                return

    with serving(drip) as (port, _):
        outcome = delivery.post(services(timeout=1), f"http://127.0.0.1:{port}/hook", "{}", {})
        stop.set()
    assert (outcome.status_code, outcome.error) == (None, "timed out")


def test_a_resolver_that_never_answers_is_cut_off_at_the_deadline(monkeypatch):
    released = threading.Event()

    def getaddrinfo(*args: object, **kwargs: object) -> list:
        released.wait(10)  # bounded: the test releases it right after the attempt
        return []

    monkeypatch.setattr(address_guard.socket, "getaddrinfo", getaddrinfo)
    try:
        outcome = delivery.post(services(timeout=1), "http://slow-dns.test/hook", "{}", {})
    finally:
        released.set()
    assert (outcome.status_code, outcome.error) == (None, "timed out")


def test_a_compressed_answer_is_never_inflated_and_identity_is_asked_for():
    bomb = gzip.compress(b"0" * (20 * 1024 * 1024))  # 20 MB inflated, about 20 KB on the wire

    def answer(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Encoding", "gzip")
        h.send_header("Content-Length", str(len(bomb)))
        h.end_headers()
        h.wfile.write(bomb)

    with serving(answer) as (port, seen):
        outcome = delivery.post(services(), f"http://127.0.0.1:{port}/hook", "{}", {})
    assert outcome.status_code == 200 and outcome.error is None
    assert seen[0]["accept-encoding"] == "identity"
    assert outcome.answer is not None and "0000" not in outcome.answer and "gzip" in outcome.answer


def test_an_answer_is_read_raw_up_to_the_cap():
    body = b"a" * (1024 * 1024)

    def answer(h: BaseHTTPRequestHandler) -> None:
        h.send_response(500)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        try:
            h.wfile.write(body)
        except OSError:
            pass  # the connector stopped reading at its cap and closed

    with serving(answer) as (port, _):
        outcome = delivery.post(services(), f"http://127.0.0.1:{port}/hook", "{}", {})
    assert outcome.status_code == 500 and outcome.answer == "a" * delivery.ANSWER_KEPT


@pytest.mark.parametrize(
    "value",
    ["\u00b2", "9" * 5000, "-5", "1.5", "Thu, 01 Jan 1970 00:00:00 GMT", "soon", "\u0663\u0660", "12 34"],
)
def test_a_bad_retry_after_is_ignored(value):
    assert delivery.retry_after(value, time.time()) is None


def test_retry_after_reads_seconds_and_future_http_dates():
    now = time.time()
    assert delivery.retry_after(" 120 ", now) == 120
    assert delivery.retry_after("99999999", now) == delivery.MAX_RETRY_AFTER
    later = datetime.datetime.fromtimestamp(now + 600, datetime.UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert 598 <= (delivery.retry_after(later, now) or 0) <= 601


def test_nothing_in_a_subscribers_headers_makes_the_attempt_raise():
    def answer(h: BaseHTTPRequestHandler) -> None:
        h.wfile.write("HTTP/1.1 503 Busy\r\nRetry-After: \u00b2\r\nContent-Length: 0\r\n\r\n".encode())

    with serving(answer) as (port, _):
        outcome = delivery.post(services(), f"http://127.0.0.1:{port}/hook", "{}", {})
    assert (outcome.status_code, outcome.retry_after) == (503, None)


def _certificate(tmp_path: Path, name: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A self-signed certificate for ``name``: the server's context and a client context trusting only it."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cafile=str(cert_file))
    return server, client


def test_a_connection_verified_for_one_host_never_serves_another(tmp_path, monkeypatch):
    fake_dns(monkeypatch, "a.test", "b.test")
    server_tls, client_tls = _certificate(tmp_path, "a.test")

    def answer(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", "2")
        h.end_headers()
        h.wfile.write(b"ok")

    with serving(answer, tls=server_tls) as (port, seen):
        s = services(verify=client_tls)
        first = delivery.post(s, f"https://a.test:{port}/hook", "{}", {})
        second = delivery.post(s, f"https://b.test:{port}/hook", "{}", {})
        again = delivery.post(s, f"https://a.test:{port}/hook", "{}", {})
    assert (first.status_code, again.status_code) == (200, 200)
    assert second.status_code is None and second.error is not None and second.error.startswith("TLS failed")
    assert [h["host"] for h in seen] == [f"a.test:{port}"] * 2
