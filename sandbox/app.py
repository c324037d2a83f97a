"""The Sandbox object: state, guards, HTTP server and webhook worker, started and stopped together."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from .guards import Faults, RateLimiter
from .server import SandboxServer
from .state import State
from .webhooks import WebhookWorker


class Sandbox:
    """A 7stamp emulator for tests and local runs; `state` is open for assertions."""

    def __init__(
        self,
        rate_limit_per_second: float | None = 10.0,
        webhook_retry_delays: Sequence[float] = (1, 5, 30, 120),
    ) -> None:
        self.stopping = threading.Event()
        self.webhooks: WebhookWorker = WebhookWorker(webhook_retry_delays, on_attempt=self._record_attempt)
        self.state: State = State(self.webhooks.enqueue)
        self.limiter: RateLimiter = RateLimiter(rate_limit_per_second)
        self.faults: Faults = Faults()
        self.url: str | None = None
        self._server: SandboxServer | None = None
        self._thread: threading.Thread | None = None

    def start(self, host: str = "127.0.0.1", port: int = 0, *, log_requests: bool = False) -> str:
        """Listens (port 0 picks a free one), serves on a background thread and returns the base URL."""
        if self._server is not None:
            raise RuntimeError("The sandbox is already running.")
        self.stopping.clear()
        self._server = SandboxServer((host, port), self, log_requests=log_requests)
        self.url = f"http://{host}:{self._server.server_address[1]}"
        self.state.set_base_url(self.url)
        self.webhooks.start()
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="sandbox-http",
            daemon=True,
        )
        self._thread.start()
        return self.url

    def reset(self) -> None:
        """Back to the seed, with no faults or used rate limit; queued deliveries go with their endpoints."""
        self.webhooks.clear()
        self.faults.clear()
        self.limiter.reset()
        self.state.reset()

    def wait_webhooks_idle(self, timeout: float = 10.0) -> bool:
        """True once no delivery is queued, waiting for a retry, or in flight."""
        return self.webhooks.wait_idle(timeout)

    def stop(self) -> None:
        """Stops serving, wakes hanging requests, and joins the server and webhook threads."""
        if self._server is None:
            return
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self.webhooks.stop()
        self._server = None

    def _record_attempt(self, attempt: dict[str, Any]) -> None:
        self.state.record_attempt(attempt)
