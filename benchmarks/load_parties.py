"""The parties of the load benchmark (``benchmarks.load``): 7stamp sending, the subscriber, a poller, and the AWS calls counted."""

from __future__ import annotations

import hashlib
import json
import random
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

FAIL_EVERY = 5  # the subscriber answers 500 to the first attempt of one event in five
SEND_ATTEMPTS = 5  # 7stamp retries an unanswered webhook; the benchmark a bounded number of times
POLL_EVERY = 0.5
SENDERS = 20


@dataclass
class Sent:
    """One event as 7stamp sent it: when, in which phase, and the connector's id for it (None until accepted)."""

    webhook_id: str
    phase: str
    sent_at: float
    event_id: str | None = None
    customer: str | None = None  # the customer the event is about, when the benchmark chose one


class Subscriber:
    """The subscriber's side: every POST with its arrival time; a fifth of first attempts answered 500."""

    def __init__(self) -> None:
        from stack.receiver import HookReceiver

        self._lock = threading.Lock()
        self.first_seen: dict[str, float] = {}
        self.accepted: dict[str, float] = {}  # event id -> first 2xx answer
        self.accepted_twice: set[str] = set()
        self.attempts = 0
        self.enriched: dict[str, bool] = {}
        self._server = HookReceiver(answer=self._answer)

    def _answer(self, delivery: Any) -> int:
        now = time.time()
        try:
            record = delivery.json()
        except ValueError:
            return 400
        event_id = str(record.get("id"))
        with self._lock:
            self.attempts += 1
            first = event_id not in self.first_seen
            self.first_seen.setdefault(event_id, now)
            fails = first and int(hashlib.sha256(event_id.encode()).hexdigest(), 16) % FAIL_EVERY == 0
            if fails:
                return 500
            if event_id in self.accepted:
                self.accepted_twice.add(event_id)
            else:
                self.accepted[event_id] = now
                self.enriched[event_id] = bool(record.get("enriched"))
            return 200

    @property
    def url(self) -> str:
        return self._server.url + "/hook"

    def start(self) -> Subscriber:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def accepted_ids(self) -> set[str]:
        with self._lock:
            return set(self.accepted)


class Poller:
    """A Make watch module: follows ``since`` with the cursor each answer hands back, and keeps every id seen."""

    def __init__(self, connector_url: str, api_key: str) -> None:
        self._http = httpx.Client(base_url=connector_url, headers={"X-API-Key": api_key}, timeout=30)
        self._cursor: str | None = None
        self.seen: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="poller", daemon=True)

    def poll_once(self) -> int:
        """Pages until an answer is not full; returns how many records came."""
        got = 0
        for _ in range(100):
            params: dict[str, Any] = {"limit": 100}
            if self._cursor:
                params["since"] = self._cursor
            answer = self._http.get("/v1/triggers/any", params=params)
            if answer.status_code != 200:
                return got
            records = answer.json()
            self.seen.extend(str(r["id"]) for r in records if not r.get("sample"))
            got += len(records)
            self._cursor = answer.headers.get("X-Next-Cursor") or self._cursor
            if len(records) < 100:
                break
        return got

    def _run(self) -> None:
        while not self._stop.wait(POLL_EVERY):
            try:
                self.poll_once()
            except httpx.HTTPError:
                continue

    def start(self) -> Poller:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


def _is_enrich_job(body: str) -> bool:
    from chalicelib.pipeline import jobs

    try:
        return jobs.Job.loads(body).kind == jobs.ENRICH
    except (ValueError, KeyError, TypeError):
        return False


class Calls:
    """AWS calls of this process worth counting: messages sent to SQS, and enrichment's DynamoDB calls (pacing book, customer cache)."""

    def __init__(self) -> None:
        self.sqs_messages = 0
        self.enrich_messages = 0  # enrich jobs: one per try at an event stored awaiting enrichment, not a delivery
        self.enrichment: dict[str, int] = {"pace writes": 0, "cache reads": 0, "cache writes": 0}
        self._lock = threading.Lock()

    def attach(self, services: Any) -> None:
        """Count on the clients of the connector's services (``chalicelib.container.Services``)."""
        sqs = services.aws.client("sqs").meta.events
        sqs.register("provide-client-params.sqs.SendMessageBatch", self._batch)
        sqs.register("provide-client-params.sqs.SendMessage", self._one)
        dynamodb = services.aws.client("dynamodb").meta.events
        for operation in ("UpdateItem", "GetItem", "PutItem", "DeleteItem"):
            dynamodb.register(f"provide-client-params.dynamodb.{operation}", self._dynamodb)

    def _batch(self, params: dict[str, Any], **_: Any) -> None:
        bodies = [str(entry.get("MessageBody", "")) for entry in params.get("Entries") or []]
        with self._lock:
            self.sqs_messages += len(bodies)
            self.enrich_messages += sum(1 for body in bodies if _is_enrich_job(body))

    def _one(self, params: dict[str, Any], **_: Any) -> None:
        with self._lock:
            self.sqs_messages += 1
            self.enrich_messages += int(_is_enrich_job(str(params.get("MessageBody", ""))))

    def _dynamodb(self, params: dict[str, Any], event_name: str = "", **_: Any) -> None:
        pk = str(((params.get("Key") or params.get("Item") or {}).get("pk") or {}).get("S", ""))
        write = not event_name.endswith(".GetItem")
        kind = "pace writes" if pk.startswith("pace#") else ("cache writes" if write else "cache reads") if pk.startswith("cust#") else None
        if kind:
            with self._lock:
                self.enrichment[kind] += 1


class Sender:
    """7stamp's side: makes events in the sandbox and pushes them, signed, at the inbound URL."""

    def __init__(self, sandbox: Any, location_id: str, inbound_url: str, secret: str) -> None:
        from standardwebhooks import Webhook

        self._sandbox = sandbox
        self._location_id = location_id
        self._url = inbound_url
        self._signer = Webhook(secret)
        self._http = httpx.Client(timeout=30, limits=httpx.Limits(max_connections=SENDERS * 2))
        self._lock = threading.Lock()
        self.sent: list[Sent] = []
        self.failed_sends = 0

    def make(self, event: str, customer_id: str) -> str:
        """The event's body as 7stamp would send it (the sandbox's own emit, with nobody subscribed there)."""
        body = {"location_id": self._location_id, "event": event, "customer_id": customer_id, "campaign_name": "Autumn"}
        return json.dumps(self._sandbox.state.emit_control(body)["event"])

    def push(self, phase: str, body: str, customer: str | None = None) -> None:
        webhook_id = "msg_" + hashlib.sha256(f"{time.time_ns()}{random.random()}".encode()).hexdigest()[:24]
        sent = Sent(webhook_id, phase, time.time(), customer=customer)
        with self._lock:
            self.sent.append(sent)
        for attempt in range(SEND_ATTEMPTS):
            signature = self._signer.sign(webhook_id, datetime.now(UTC), body)
            headers = {
                "content-type": "application/json",
                "webhook-id": webhook_id,
                "webhook-timestamp": str(int(time.time())),
                "webhook-signature": signature,
            }
            try:
                answer = self._http.post(self._url, content=body.encode(), headers=headers)
            except httpx.HTTPError:
                answer = None
            if answer is not None and answer.status_code < 300:
                sent.event_id = str(answer.json()["id"])
                return
            time.sleep(min(4.0, 0.5 * 2**attempt))
        with self._lock:
            self.failed_sends += 1
