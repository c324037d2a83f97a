"""Delivery jobs: a first job carries its subscriptions (never a secret) and their signatures, unless that would make it too large."""

from __future__ import annotations

import base64
import time
from dataclasses import replace

from chalicelib.pipeline import jobs
from chalicelib.pipeline.delivery import carried
from chalicelib.security import signing
from chalicelib.store.records import Subscription


def sub(i: int, filters: dict[str, list[str]] | None = None, location: str = "loc_a") -> Subscription:
    return Subscription(
        f"sub_{i}",
        location,
        "stamp_added",
        f"https://hooks.example.com/{i}",
        filters or {},
        "whsec_" + base64.b64encode(bytes([i]) * 32).decode(),
        "2026-01-01T00:00:00Z",
        failing_since=1700000000.5 if i == 1 else None,
    )


def test_a_first_job_carries_its_subscriptions_and_reads_back_the_same():
    subs = [sub(i) for i in range(3)]
    [job] = jobs.jobs_for(
        "loc_a", "m#k", "0001#c", [s.id for s in subs], event_id="evt_1", event="stamp_added", body="{}", first=True, carry=subs
    )
    again = jobs.Job.loads(job.dumps())
    assert again == job
    assert carried(again) == {s.id: replace(s, secret="") for s in subs}


def test_no_secret_travels_in_a_job_only_a_signature_of_its_body_that_verifies():
    subs = [sub(i) for i in range(3)]
    [job] = jobs.jobs_for("loc_a", "m#k", "0001#c", [s.id for s in subs], event_id="evt_1", body='{"a":1}', first=True, carry=subs)
    text = job.dumps()
    assert all(s.secret not in text for s in subs) and "whsec_" not in text
    for s in subs:
        headers = job.signed_headers(s.id, time.time())
        assert headers is not None
        signing.verify(s.secret, b'{"a":1}', headers)  # raises when it does not verify


def test_a_stale_signature_is_not_used_and_the_worker_reads_the_subscriptions():
    subs = [sub(0)]
    [job] = jobs.jobs_for("loc_a", "m#k", "0001#c", ["sub_0"], event_id="evt_1", body="{}", first=True, carry=subs)
    assert job.signed_headers("sub_0", job.signed_at + jobs.SIGNED_FOR + 1) is None
    assert carried(replace(job, signed_at=job.signed_at - jobs.SIGNED_FOR - 1)) == {}


def test_jobs_split_their_carried_subscriptions_with_their_ids():
    subs = [sub(i) for i in range(jobs.BATCH + 5)]
    made = jobs.jobs_for("loc_a", "m#k", "0001#c", [s.id for s in subs], event_id="evt_1", body="{}", first=True, carry=subs)
    assert [len(j.subscriptions) for j in made] == [jobs.BATCH, 5]
    assert all([s.id for s in j.carried] == j.subscriptions for j in made)


def test_a_job_too_large_with_its_subscriptions_leaves_them_to_the_worker():
    big = {"customer.email": [f"someone{i}@example.com" for i in range(2000)]}
    subs = [sub(i, big) for i in range(3)]
    [job] = jobs.jobs_for("loc_a", "m#k", "0001#c", [s.id for s in subs], event_id="evt_1", body="{}", first=True, carry=subs)
    assert job.carried == () and job.signatures == {} and job.subscriptions == [s.id for s in subs]
    assert len(job.dumps()) <= jobs.MAX_JOB_BYTES
    assert carried(job) == {}


def test_carried_subscriptions_of_another_location_or_missing_ones_are_not_used():
    [job] = jobs.jobs_for(
        "loc_a", "m#k", "0001#c", ["sub_0", "sub_1"], event_id="evt_1", body="{}", first=True, carry=[sub(0), sub(1, location="loc_b")]
    )
    assert carried(job) == {}  # the worker reads them (by the job's location) instead


def test_retry_and_sweeper_jobs_carry_nothing():
    [job] = jobs.jobs_for("loc_a", "m#k", "0001#c", ["sub_0"])
    assert job.carried == () and "carried" not in job.dumps()
