"""A stand-in for a Zapier "catch hook": a loopback server that keeps and prints what the connector POSTs.

The demo subscribes it; `python -m stack.receiver --port 9000` runs it on its own for the
walkthrough that `make run` prints.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from stack.signals import stop_requested

MAX_BODY = 256 * 1024


@dataclass(frozen=True)
class Delivery:
    """One POST as it arrived: path, lower-cased headers, raw body."""

    path: str
    headers: dict[str, str]
    body: bytes

    def record(self) -> dict[str, Any]:
        data = json.loads(self.body)
        return data if isinstance(data, dict) else {"body": data}

    def verified(self, secret: str) -> dict[str, Any]:
        """The event record after checking its Standard Webhooks signature; raises when it does not verify."""
        from standardwebhooks.webhooks import Webhook

        Webhook(secret).verify(self.body, self.headers, json_parse=False)
        return self.record()


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
        parts.append(f"card now {card['stamps']}/{card.get('stamps_required', '?')}")
    if voucher:
        parts.append(f"voucher {voucher.get('redeem_code') or voucher.get('id')} ({voucher.get('type', 'voucher')})")
    if not record.get("enriched", True):
        parts.append("(not enriched)")
    return ", ".join(parts)


class HookReceiver:
    """Keeps every POST and answers it with 200, or with what ``answer`` says; ``on_delivery`` is called for each (from the server's thread)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        on_delivery: Callable[[Delivery], None] | None = None,
        answer: Callable[[Delivery], int] | None = None,
    ) -> None:
        self._host = host
        self._lock = threading.Lock()
        self._deliveries: list[Delivery] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY)
                delivery = Delivery(self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
                receiver._keep(delivery)
                if on_delivery is not None:
                    on_delivery(delivery)
                self.send_response(answer(delivery) if answer is not None else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="hook-receiver", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self._server.server_address[1]}"

    def _keep(self, delivery: Delivery) -> None:
        with self._lock:
            self._deliveries.append(delivery)

    def deliveries(self) -> list[Delivery]:
        with self._lock:
            return list(self._deliveries)

    def wait_until(self, done: Callable[[list[Delivery]], bool], timeout: float) -> list[Delivery]:
        """Poll (every 50 ms, at most ``timeout`` seconds) until ``done`` holds for what arrived; returns it either way."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.deliveries()
            if done(got) or time.monotonic() >= deadline:
                return got
            time.sleep(0.05)

    def start(self) -> HookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _print(delivery: Delivery) -> None:
    try:
        record = delivery.record()
    except ValueError:
        print(f"{time.strftime('%H:%M:%S')} POST {delivery.path}: {len(delivery.body)} bytes, not JSON", flush=True)
        return
    print(f"{time.strftime('%H:%M:%S')} {describe(record)}  [webhook-id {delivery.headers.get('webhook-id', '-')}]")
    print(json.dumps(record, indent=2, ensure_ascii=False), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stack.receiver", description="Print every webhook POSTed to http://127.0.0.1:PORT/...")
    parser.add_argument("--port", type=int, default=9000)
    args = parser.parse_args(argv)
    done = stop_requested()
    try:
        receiver = HookReceiver(port=args.port, on_delivery=_print).start()
    except OSError as exc:
        print(f"port {args.port} is not available ({exc.strerror}); pass --port with a free one", file=sys.stderr)
        return 2
    print(f"Receiving webhooks on {receiver.url}/hook (Ctrl-C stops)", flush=True)
    done.wait()
    receiver.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
