"""The delivery queue: work items that name an event and up to BATCH subscriptions to POST it to.

A job carries what its worker would otherwise read again: the event's id and name and,
when it is small, the stored event text itself; a first job (from fan-out, which has
just read them) also carries its subscriptions and, for each, the Standard Webhooks
signature of that text made at fan-out (``signed_at``), so the first attempt reads
nothing before its claim. No signing secret travels in a message: a signature is good
for this one event and for SIGNED_FOR seconds, after which (a retry, a held job) the
worker reads the subscription, secret included, at the claim. A job of kind
``enrich`` asks for a stored event still awaiting enrichment to be enriched (or
released unenriched); with ``lookup_at``, it also makes the customer's lookup booked for that second.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.aws import SQS_MAX_DELAY, AwsClients
from chalicelib.errors import UpstreamError
from chalicelib.security import signing
from chalicelib.settings import Settings
from chalicelib.store.records import DeliveryRecord, StoredEvent, Subscription

BATCH = 50
BODY_IN_JOB = 16 * 1024  # larger event texts are read from the events table by the worker
MAX_BATCH_BYTES = 240 * 1024  # SendMessageBatch takes at most 256 KB in all
MAX_JOB_BYTES = 64 * 1024  # a job whose carried subscriptions would make it larger leaves them to the worker to read
SIGNED_FOR = 60  # seconds a fan-out signature is used; later the worker signs again (receivers allow 5 minutes)


class JobKind(StrEnum):
    """What a job asks of its worker."""

    DELIVER = "deliver"  # POST a stored event to its subscriptions
    ENRICH = "enrich"  # enrich a stored event still awaiting enrichment, or release it unenriched


@dataclass(frozen=True)
class Job:
    """Deliver one stored event to these subscriptions (or, for ``kind`` enrich, enrich it)."""

    location_id: str
    dedup_key: str  # the stored event's key: 7stamp's webhook id hashed, or the body's hash
    event_cursor: str
    subscriptions: list[str]
    event_id: str = ""
    event: str = ""
    body: str | None = None
    kind: JobKind = JobKind.DELIVER
    first: bool = False  # the first attempt, from fan-out: its claim creates the delivery record
    carried: tuple[Subscription, ...] = ()  # the subscriptions as fan-out read them, secrets left out (first jobs only)
    signed_at: int = 0  # when fan-out signed the body for the carried subscriptions
    signatures: dict[str, str] = field(default_factory=dict)  # subscription id -> webhook-signature of the body at signed_at
    lookup_at: int = 0  # an enrich job that makes its customer's lookup booked for this second (enrich_jobs.py)

    def dumps(self) -> str:
        kept = {k: v for k, v in asdict(self).items() if v is not None and v is not False and v != () and v != {} and v != 0}
        return json.dumps(kept, separators=(",", ":"))

    @classmethod
    def loads(cls, body: str) -> Job:
        data = json.loads(body)
        text = data.get("body")
        return cls(
            str(data["location_id"]),
            str(data["dedup_key"] if "dedup_key" in data else data["event_key"]),  # "event_key": jobs queued before the rename
            str(data["event_cursor"]),
            [str(s) for s in data["subscriptions"]],
            str(data.get("event_id", "")),
            str(data.get("event", "")),
            text if isinstance(text, str) else None,
            JobKind(data.get("kind", JobKind.DELIVER)),
            data.get("first") is True,
            tuple(Subscription(**{**s, "secret": ""}) for s in data.get("carried", [])),
            int(data.get("signed_at", 0)),
            {str(k): str(v) for k, v in data.get("signatures", {}).items()},
            int(data.get("lookup_at", 0)),
        )

    def signed_headers(self, sub_id: str, now: float) -> dict[str, str] | None:
        """The carried signature's headers for one subscription, while it is fresh; None when the worker must sign."""
        signature = self.signatures.get(sub_id)
        if signature is None or not self.event_id or not 0 <= now - self.signed_at <= SIGNED_FOR:
            return None
        return {"webhook-id": self.event_id, "webhook-timestamp": str(self.signed_at), "webhook-signature": signature}


def _batches(
    location_id: str,
    dedup_key: str,
    event_cursor: str,
    sub_ids: Iterable[str],
    *,
    event_id: str = "",
    event: str = "",
    body: str | None = None,
    first: bool = False,
    carry: Sequence[Subscription] = (),
) -> list[Job]:
    """Jobs of at most BATCH subscriptions each; ``carry`` (subscriptions among ``sub_ids``) rides along where it fits.

    A carried subscription goes without its secret, with the body's signature made now instead.
    """
    ids = list(sub_ids)
    text = body if body is not None and len(body) <= BODY_IN_JOB else None
    by_id = {s.id: s for s in carry} if text is not None and event_id else {}
    signed_at = int(time.time())
    jobs = []
    for i in range(0, len(ids), BATCH):
        chunk = ids[i : i + BATCH]
        subs = [by_id[s] for s in chunk if s in by_id]
        signatures = {s.id: signing.headers(s.secret, event_id, signed_at, text)["webhook-signature"] for s in subs if text is not None}
        job = Job(
            location_id,
            dedup_key,
            event_cursor,
            chunk,
            event_id,
            event,
            text,
            JobKind.DELIVER,
            first,
            tuple(replace(s, secret="") for s in subs),
            signed_at if subs else 0,
            signatures,
        )
        jobs.append(job if len(job.dumps()) <= MAX_JOB_BYTES else replace(job, carried=(), signed_at=0, signatures={}))
    return jobs


def first_deliveries(event: StoredEvent, subs: Sequence[Subscription]) -> list[Job]:
    """Fan-out's jobs for one event: its matched subscriptions in batches, carried (signed, secrets left out) where they fit."""
    return _batches(
        event.location_id,
        event.dedup_key,
        event.cursor,
        [s.id for s in subs],
        event_id=str(event.record["id"]),
        event=event.name,
        body=event.text,
        first=True,
        carry=subs,
    )


def redelivery(record: DeliveryRecord, location_id: str | None = None) -> Job:
    """A job that sends one delivery again (a retry, a replay, retry now, a resend): it carries nothing, so the worker
    reads the subscription at its claim. ``location_id`` where the record may not carry it yet (a first claim's record)."""
    [job] = _batches(
        location_id or record.location_id,
        record.event_dedup_key,
        record.event_cursor,
        [record.subscription_id],
        event_id=record.event_id,
        event=record.event,
    )
    return job


def redeliveries(records: Iterable[DeliveryRecord]) -> list[Job]:
    """Jobs that send these deliveries again, one per event with its subscriptions batched (the sweeper's)."""
    by_event: dict[tuple[str, str, str, str, str], list[str]] = {}
    for d in records:
        by_event.setdefault((d.location_id, d.event_dedup_key, d.event_cursor, d.event_id, d.event), []).append(d.subscription_id)
    return [j for (loc, key, cursor, eid, ev), ids in by_event.items() for j in _batches(loc, key, cursor, ids, event_id=eid, event=ev)]


def enrichment(event: StoredEvent) -> Job:
    """A job that enriches an event stored awaiting enrichment (or releases it unenriched when its time is up)."""
    return Job(event.location_id, event.dedup_key, event.cursor, [], str(event.record.get("id", "")), event.name, kind=JobKind.ENRICH)


def lookup(job: Job, window: int) -> Job:
    """The enrich job again, to make its customer's lookup booked for the second ``window`` (0: only to enrich its event)."""
    return replace(job, lookup_at=window)


class DeliveryQueue:
    """The SQS queue of delivery jobs (DELIVERY_QUEUE_URL, or looked up once by DELIVERY_QUEUE_NAME), and beside it the
    lookup lane (LOOKUP_QUEUE_URL) for enrich jobs that make a customer's lookup booked for a second.

    A booked lookup sleeps until its second (up to two), so it has a queue and a mapping of its own: on the
    delivery queue it would hold a delivery invocation while it sleeps, and a crowd of lookups would hold them all.
    """

    def __init__(self, clients: AwsClients, settings: Settings) -> None:
        self._clients = clients
        self._settings = settings
        self._url = settings.delivery_queue_url

    def lookup_url(self) -> str:
        """The lookup lane's queue (the delivery queue itself where the stack has none)."""
        return self._settings.lookup_queue_url or self.url()

    def url(self) -> str:
        if self._url:
            return self._url
        try:
            self._url = str(self._clients.client("sqs").get_queue_url(QueueName=self._settings.delivery_queue_name)["QueueUrl"])
        except (BotoCoreError, ClientError) as exc:
            raise UpstreamError("The delivery queue is unavailable") from exc
        return self._url

    def send(self, jobs: list[Job], delay: int | list[int] = 0) -> None:
        """Enqueue jobs in as few SendMessageBatch calls as fit (ten entries, 240 KB); a failure raises, so the caller's trigger retries.

        ``delay`` is one delay for all, or one per job.
        """
        delays = delay if isinstance(delay, list) else [delay] * len(jobs)
        lanes: dict[bool, list[tuple[Job, int]]] = {}
        for job, seconds in zip(jobs, delays, strict=True):
            lanes.setdefault(job.lookup_at != 0, []).append((job, seconds))
        for lookups, lane in lanes.items():
            url = self.lookup_url() if lookups else self.url()
            entries: list[dict[str, Any]] = []
            size = 0
            for job, seconds in lane:
                text = job.dumps()
                if entries and (len(entries) == 10 or size + len(text) > MAX_BATCH_BYTES):
                    self._send_batch(url, entries)
                    entries, size = [], 0
                entries.append({"Id": str(len(entries)), "MessageBody": text, "DelaySeconds": max(0, min(SQS_MAX_DELAY, seconds))})
                size += len(text)
            if entries:
                self._send_batch(url, entries)

    def _send_batch(self, url: str, entries: list[dict[str, Any]]) -> None:
        try:
            answer = self._clients.client("sqs").send_message_batch(QueueUrl=url, Entries=entries)
        except (BotoCoreError, ClientError) as exc:
            raise UpstreamError("The delivery queue is unavailable") from exc
        if answer.get("Failed"):
            raise UpstreamError(f"{len(answer['Failed'])} delivery jobs could not be queued")
