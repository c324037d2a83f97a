"""Fan-out (pipeline/fanout.py): each stored event becomes jobs for the subscriptions that want it, and only those.

Real store and queue (moto): the jobs are read back from the delivery queue as a worker would.
"""

from __future__ import annotations

import json

from chalicelib.container import Services
from chalicelib.pipeline import fanout
from chalicelib.pipeline.jobs import Job, JobKind
from chalicelib.store.records import StoredEvent, Subscription
from chalicelib.store.subscriptions import HOOK_PREFIX


def subscribe(
    services: Services, n: int, event: str, location_id: str = "loc_a", filters: dict | None = None, disabled: bool = False
) -> Subscription:
    sub = Subscription(f"{HOOK_PREFIX}{n:04d}", location_id, event, f"https://hooks.example/{n}", filters or {}, f"whsec_secret_{n}", "t")
    assert services.subscriptions.create(sub) is None
    if disabled:
        services.subscriptions.disable(location_id, sub.id, "test")
    return sub


def stored(
    services: Services, n: int, event: str = "stamp_added", location_id: str = "loc_a", awaiting: bool = False, **fields: object
) -> StoredEvent:
    record = {"event": event, "location_id": location_id, **fields}
    services.events.put_new(location_id, f"wh_{n}", f"d{n}", record, awaiting=awaiting)
    found = services.events.get(location_id, f"wh_{n}")
    assert found is not None
    return found


def queued(services: Services) -> list[tuple[Job, str]]:
    """Every visible job on the delivery queue, with its raw text (bounded reads)."""
    sqs = services.aws.client("sqs")
    found: list[tuple[Job, str]] = []
    for _ in range(20):
        messages = sqs.receive_message(QueueUrl=services.settings.delivery_queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            break
        found.extend((Job.loads(m["Body"]), m["Body"]) for m in messages)
    return found


def delivered_to(jobs: list[tuple[Job, str]]) -> dict[str, set[str]]:
    """Event id -> the subscription ids its delivery jobs name."""
    out: dict[str, set[str]] = {}
    for job, _ in jobs:
        assert job.kind is JobKind.DELIVER and job.first
        out.setdefault(job.event_id, set()).update(job.subscriptions)
    return out


def test_each_event_goes_to_the_subscriptions_that_want_it(services: Services) -> None:
    stamp = subscribe(services, 1, "stamp_added")
    anything = subscribe(services, 2, "any")
    subscribe(services, 3, "reward_issued")
    subscribe(services, 4, "stamp_added", disabled=True)
    subscribe(services, 5, "stamp_added", location_id="loc_b")
    events = [stored(services, 1), stored(services, 2, event="reward_issued")]
    count, failed = fanout.fan_out(services, events)
    jobs = queued(services)
    assert failed == set() and count == len(jobs)
    assert delivered_to(jobs) == {
        events[0].record["id"]: {stamp.id, anything.id},
        events[1].record["id"]: {"hook_0003", anything.id},
    }


def test_filters_decide_per_event(services: Services) -> None:
    coffee = subscribe(services, 1, "stamp_added", filters={"card_template_id": ["tpl_coffee"]})
    events = [
        stored(services, 1, card={"template_id": "tpl_coffee"}),
        stored(services, 2, card={"template_id": "tpl_cake"}),
        stored(services, 3),
    ]
    fanout.fan_out(services, events)
    assert delivered_to(queued(services)) == {events[0].record["id"]: {coffee.id}}


def test_a_job_carries_signatures_and_never_a_secret(services: Services) -> None:
    subs = [subscribe(services, n, "stamp_added") for n in range(3)]
    fanout.fan_out(services, [stored(services, 1)])
    jobs = queued(services)
    assert jobs
    for job, text in jobs:
        assert all(s.secret not in text for s in subs)
        assert set(job.signatures) == set(job.subscriptions)


def test_an_event_no_one_wants_queues_nothing(services: Services) -> None:
    subscribe(services, 1, "reward_issued")
    assert fanout.fan_out(services, [stored(services, 1)]) == (0, set())
    assert queued(services) == []


def test_an_event_awaiting_enrichment_gets_an_enrich_job_not_a_delivery(services: Services) -> None:
    subscribe(services, 1, "stamp_added")
    event = stored(services, 1, awaiting=True)
    count, failed = fanout.fan_out(services, [event])
    assert (count, failed) == (1, set())
    attributes = services.aws.client("sqs").get_queue_attributes(
        QueueUrl=services.settings.delivery_queue_url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed"]
    )["Attributes"]
    assert int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesDelayed"]) == 1
    visible = queued(services)  # at once or after a delay, as enrich_jobs decides: only ever the enrich job
    assert all((job.kind, job.dedup_key, job.subscriptions) == (JobKind.ENRICH, event.dedup_key, []) for job, _ in visible)


def test_many_subscriptions_of_one_event_are_all_queued(services: Services) -> None:
    subs = {subscribe(services, n, "stamp_added").id for n in range(25)}
    event = stored(services, 1)
    count, _ = fanout.fan_out(services, [event])
    jobs = queued(services)
    assert count == len(jobs) and delivered_to(jobs) == {event.record["id"]: subs}
    assert sum(len(j.subscriptions) for j, _ in jobs) == len(subs)  # each subscription in one job only


def test_a_queue_that_refuses_fails_every_record_of_the_batch(services: Services) -> None:
    from dataclasses import replace

    from chalicelib.pipeline.jobs import DeliveryQueue

    subscribe(services, 1, "stamp_added")
    missing = replace(services.settings, delivery_queue_url=services.settings.delivery_queue_url + "-gone")
    broken = replace(services, queue=DeliveryQueue(services.aws, missing))
    events = [stored(services, 1), stored(services, 2)]
    assert fanout.fan_out(broken, events) == (0, {0, 1})


def test_an_event_whose_matching_raises_fails_alone(services: Services) -> None:
    subscribe(services, 1, "stamp_added", filters={"card_template_id": ["tpl_coffee"]})
    subscribe(services, 2, "stamp_added", location_id="loc_b")
    alone = StoredEvent(record={"id": "evt_3_x", "location_id": "loc_c"}, dedup_key="wh_3", cursor="000000000000003#x")
    good = stored(services, 1, card={"template_id": "tpl_coffee"})
    odd = StoredEvent(record={"id": "evt_2_x", "location_id": "loc_a"}, dedup_key="wh_2", cursor="000000000000002#x")  # no event name
    count, failed = fanout.fan_out(services, [good, odd, alone])  # a location with subscriptions, and one without
    assert failed == {1, 2} and count == 1
    assert json.loads(queued(services)[0][1])["event_id"] == good.record["id"]
