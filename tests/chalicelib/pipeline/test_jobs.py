"""Delivery jobs: a first job carries its subscriptions through SQS, unless that would make it too large."""

from __future__ import annotations

from chalicelib.pipeline import jobs
from chalicelib.pipeline.delivery import carried
from chalicelib.store.records import Subscription


def sub(i: int, filters: dict[str, list[str]] | None = None, location: str = "loc_a") -> Subscription:
    return Subscription(
        f"sub_{i}",
        location,
        "stamp_added",
        f"https://hooks.example.com/{i}",
        filters or {},
        f"whsec_{i}",
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
    assert carried(again) == {s.id: s for s in subs}


def test_jobs_split_their_carried_subscriptions_with_their_ids():
    subs = [sub(i) for i in range(jobs.BATCH + 5)]
    made = jobs.jobs_for("loc_a", "m#k", "0001#c", [s.id for s in subs], first=True, carry=subs)
    assert [len(j.subscriptions) for j in made] == [jobs.BATCH, 5]
    assert all([s.id for s in j.carried] == j.subscriptions for j in made)


def test_a_job_too_large_with_its_subscriptions_leaves_them_to_the_worker():
    big = {"customer.email": [f"someone{i}@example.com" for i in range(2000)]}
    subs = [sub(i, big) for i in range(3)]
    [job] = jobs.jobs_for("loc_a", "m#k", "0001#c", [s.id for s in subs], first=True, carry=subs)
    assert job.carried == () and job.subscriptions == [s.id for s in subs]
    assert len(job.dumps()) <= jobs.MAX_JOB_BYTES
    assert carried(job) == {}


def test_carried_subscriptions_of_another_location_or_missing_ones_are_not_used():
    [job] = jobs.jobs_for("loc_a", "m#k", "0001#c", ["sub_0", "sub_1"], first=True, carry=[sub(0), sub(1, location="loc_b")])
    assert carried(job) == {}  # the worker reads them (by the job's location) instead


def test_retry_and_sweeper_jobs_carry_nothing():
    [job] = jobs.jobs_for("loc_a", "m#k", "0001#c", ["sub_0"])
    assert job.carried == () and "carried" not in job.dumps()
