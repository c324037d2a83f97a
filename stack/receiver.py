"""The loopback webhook receiver of the local stack, the tests and the benchmarks: a stand-in for a Zapier "catch hook".

It keeps every POST (thread-safe), answers as scripted (500 twice, a 30 s hang, a redirect,
50 ms like a subscriber on the internet, or whatever a callback decides), and hands each
delivery over for its Standard Webhooks signature to be checked with the subscription's
secret. The demo subscribes it; `python -m stack.receiver --port 9000` runs it on its own
and prints what arrives, for the walkthrough that `make run` prints.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

from stack.signals import stop_requested, wait_for_stop

MAX_BODY = 1024 * 1024  # well above the largest event the connector sends; a bigger POST is answered 413
BODILESS = frozenset({204, 304})  # answers HTTP forbids a body (and a Content-Length) on


@dataclass(frozen=True)
class ReceivedDelivery:
    """One POST as it arrived: path (with its query), lower-cased headers, raw body."""

    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def verify(self, secret: str) -> Any:
        """The body, after checking its Standard Webhooks signature with the subscription's secret; raises when it does not verify."""
        from standardwebhooks.webhooks import Webhook  # only the callers that check signatures pay for it

        return Webhook(secret).verify(self.body, self.headers)


@dataclass
class Script:
    """How the receiver answers: ``statuses`` in turn, then ``default``, each with ``headers`` and ``body``.

    Every answer waits ``delay`` seconds first (a subscriber's own work and network time);
    the first ``hangs`` answers wait ``hang`` seconds more (cut short when the receiver
    stops). A test may change the fields while the receiver runs, e.g. ``default = 200``
    to let a failing subscriber recover.
    """

    statuses: list[int] = field(default_factory=list)
    default: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: str = "ok"
    delay: float = 0.0
    hang: float = 0.0
    hangs: int = 0

    def take(self) -> tuple[int, float]:
        """The next answer's status and how long to wait before giving it; the caller holds the receiver's lock."""
        status = self.statuses.pop(0) if self.statuses else self.default
        wait = self.delay + (self.hang if self.hangs > 0 else 0.0)
        self.hangs -= 1
        return status, wait


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A connector that gave up on an answer (its attempt's deadline) closed the connection: expected, not reported."""
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)

    def __init__(self, address: tuple[str, int], receiver: HookReceiver) -> None:
        super().__init__(address, _Handler)
        self.receiver = receiver


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real subscriber: the connector's pooled client reuses connections
    disable_nagle_algorithm = True  # headers and body are two writes: without this a kept-alive answer waits for a delayed ACK

    def setup(self) -> None:
        super().setup()
        cast(_Server, self.server).receiver._opened(self.connection)

    def finish(self) -> None:
        cast(_Server, self.server).receiver._closed(self.connection)
        super().finish()

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        receiver = cast(_Server, self.server).receiver
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.close_connection = True  # the unread body would otherwise be taken for the next request
            self._answer(413, {}, b"")
            return
        delivery = ReceivedDelivery(self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
        status, wait, headers, body = receiver._receive(delivery)
        if wait:
            receiver._stopping.wait(wait)
        self._answer(status, headers, body.encode())

    def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status in BODILESS:  # a body here would be read as the start of the next answer on the kept-alive connection
            self.end_headers()
            return
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's naming)
        pass


class HookReceiver:
    """Keeps every POST and answers it as ``script`` says, or with the status ``answer`` returns.

    ``on_delivery`` is called for each POST (from the server's thread) before it is answered.
    ``url`` is the receiver's root: any path under it is received, so a user may add one
    (``/stamp_added``) to tell its subscriptions apart.
    """

    def __init__(
        self,
        script: Script | None = None,
        *,
        answer: Callable[[ReceivedDelivery], int] | None = None,
        on_delivery: Callable[[ReceivedDelivery], None] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.script = script or Script()
        self._answer = answer
        self._on_delivery = on_delivery
        self._host = host
        self._lock = threading.Lock()
        self._received: list[ReceivedDelivery] = []
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._server = _Server((host, port), self)
        self._thread = threading.Thread(target=self._server.serve_forever, name="hook-receiver", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self._server.server_address[1]}"

    @property
    def received(self) -> list[ReceivedDelivery]:
        """What arrived so far, oldest first (a copy)."""
        with self._lock:
            return list(self._received)

    def count(self) -> int:
        with self._lock:
            return len(self._received)

    def clear(self) -> None:
        with self._lock:
            self._received.clear()

    def wait_until(self, done: Callable[[list[ReceivedDelivery]], bool], timeout: float) -> list[ReceivedDelivery]:
        """Poll (every 20 ms, at most ``timeout`` seconds) until ``done`` holds for what arrived; returns it either way."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.received
            if done(got) or time.monotonic() >= deadline:
                return got
            time.sleep(0.02)

    def wait_for(self, count: int, timeout: float = 15.0) -> list[ReceivedDelivery]:
        """What arrived once there are at least ``count`` POSTs, or after ``timeout`` seconds (a bounded poll, not a timing assert)."""
        return self.wait_until(lambda got: len(got) >= count, timeout)

    def start(self) -> HookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, cut short any scripted hang and close the connections still open, so nothing more arrives."""
        self._stopping.set()
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()
        with self._lock:
            open_now = list(self._connections)
        for connection in open_now:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by the other side
        self._thread.join(timeout=5)

    def _receive(self, delivery: ReceivedDelivery) -> tuple[int, float, dict[str, str], str]:
        with self._lock:
            self._received.append(delivery)
            status, wait = self.script.take()
            headers, body = dict(self.script.headers), self.script.body
        if self._on_delivery is not None:
            self._on_delivery(delivery)
        if self._answer is not None:
            status = self._answer(delivery)
        return status, wait, headers, body

    def _opened(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.add(connection)

    def _closed(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.discard(connection)


def describe(record: dict[str, Any]) -> str:
    """What a Zapier user would see first: the event, who it is about, and what happened to the card or voucher."""
    customer = record.get("customer") or {}
    card = record.get("card") or {}
    voucher = record.get("voucher") or {}
    who = customer.get("name") or customer.get("id") or "someone"
    if customer.get("email"):
        who += f" <{customer['email']}>"
    parts = [f"{record.get('event', '?')}: {who}"]
    if (record.get("stamp") or {}).get("count"):
        parts.append(f"+{record['stamp']['count']} stamps")
    if card.get("stamps") is not None:
        now = f"card now {card['stamps']}/{card.get('stamps_required', '?')}"
        if int((record.get("stamp") or {}).get("count") or 0) > int(card["stamps"]):
            now += " (the card filled up and started again)"  # more stamps added than it holds now: a full card rolled over
        parts.append(now)
    if voucher:
        parts.append(f"voucher {voucher.get('redeem_code') or voucher.get('id')} ({voucher.get('type', 'voucher')})")
    if not record.get("enriched", True):
        parts.append("(not enriched)")
    return ", ".join(parts)


def _print(delivery: ReceivedDelivery) -> None:
    try:
        record = delivery.json()
    except ValueError:
        print(f"{time.strftime('%H:%M:%S')} POST {delivery.path}: {len(delivery.body)} bytes, not JSON", flush=True)
        return
    if not isinstance(record, dict):
        record = {"body": record}
    print(f"{time.strftime('%H:%M:%S')} {describe(record)}  [webhook-id {delivery.headers.get('webhook-id', '-')}]")
    print(json.dumps(record, indent=2, ensure_ascii=False), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stack.receiver", description="Print every webhook POSTed to http://127.0.0.1:PORT/...")
    parser.add_argument("--port", type=int, default=9000)
    args = parser.parse_args(argv)
    done = stop_requested()
    try:
        receiver = HookReceiver(on_delivery=_print, port=args.port).start()
    except OSError as exc:
        print(f"port {args.port} is not available ({exc.strerror}); pass --port with a free one", file=sys.stderr)
        return 2
    print(f"Receiving webhooks on {receiver.url}/hook (Ctrl-C stops)", flush=True)
    wait_for_stop(done)
    receiver.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
