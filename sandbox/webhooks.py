"""Outbound webhook deliveries, signed the Standard Webhooks way, on a background thread with retries.

API calls only enqueue; a slow or failing receiver never delays the answer to the caller.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from standardwebhooks import Webhook

from .values import iso, utc_now


@dataclass(frozen=True)
class WebhookDelivery:
    """One event for one endpoint; `body` is serialised once so every retry signs the same bytes."""

    message_id: str
    endpoint_id: str
    url: str
    secret: str
    event: str
    body: str


class WebhookWorker:
    """Sends deliveries in order of due time; a failed one is retried after each of `retry_delays`, then dropped."""

    def __init__(
        self,
        retry_delays: Sequence[float],
        on_attempt: Callable[[dict[str, Any]], None],
        *,
        timeout: float = 10.0,
    ) -> None:
        self._delays = tuple(retry_delays)
        self._on_attempt = on_attempt
        self._timeout = timeout
        self._cond = threading.Condition()
        self._queue: list[tuple[float, int, int, WebhookDelivery]] = []  # (due, tie-breaker, attempt, delivery)
        self._order = itertools.count()
        self._in_flight = 0
        self._stopping = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        with self._cond:
            self._stopping = False
        self._thread = threading.Thread(target=self._run, name="sandbox-webhooks", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join()

    def enqueue(self, delivery: WebhookDelivery) -> None:
        self._push(delivery, attempt=0, delay=0.0)

    def clear(self) -> None:
        """Drops every delivery not yet in flight (a reset of the sandbox)."""
        with self._cond:
            self._queue.clear()
            self._cond.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: not self._queue and not self._in_flight, timeout)

    def _push(self, delivery: WebhookDelivery, *, attempt: int, delay: float) -> None:
        with self._cond:
            heapq.heappush(self._queue, (time.monotonic() + delay, next(self._order), attempt, delivery))
            self._cond.notify_all()

    def _run(self) -> None:
        with httpx.Client(timeout=self._timeout, follow_redirects=False) as client:
            while (job := self._next()) is not None:
                attempt, delivery = job
                ok = self._send(client, delivery, attempt)
                with self._cond:
                    self._in_flight -= 1
                    if not ok and attempt < len(self._delays) and not self._stopping:
                        heapq.heappush(
                            self._queue,
                            (
                                time.monotonic() + self._delays[attempt],
                                next(self._order),
                                attempt + 1,
                                delivery,
                            ),
                        )
                    self._cond.notify_all()

    def _next(self) -> tuple[int, WebhookDelivery] | None:
        """Blocks until a delivery is due (and marks it in flight), or returns None when stopping."""
        with self._cond:
            while not self._stopping:
                if not self._queue:
                    self._cond.wait()
                    continue
                wait = self._queue[0][0] - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                _, _, attempt, delivery = heapq.heappop(self._queue)
                self._in_flight += 1
                return attempt, delivery
            return None

    def _send(self, client: httpx.Client, delivery: WebhookDelivery, attempt: int) -> bool:
        timestamp = int(time.time())
        signature = Webhook(delivery.secret).sign(
            delivery.message_id,
            datetime.fromtimestamp(timestamp, UTC),
            delivery.body,
        )
        headers = {
            "content-type": "application/json",
            "user-agent": "7stamp-sandbox",
            "webhook-id": delivery.message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature,
        }
        status_code: int | None = None
        error: str | None = None
        try:
            status_code = client.post(delivery.url, content=delivery.body.encode(), headers=headers).status_code
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        self._on_attempt(
            {
                "message_id": delivery.message_id,
                "endpoint_id": delivery.endpoint_id,
                "url": delivery.url,
                "event": delivery.event,
                "attempt": attempt + 1,
                "status_code": status_code,
                "error": error,
                "at": iso(utc_now()),
            }
        )
        return status_code is not None and 200 <= status_code < 300
