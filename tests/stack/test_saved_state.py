"""The local stack's saved state, through the AWS APIs of a moto server: what goes out comes back, ready to run once.

A save from one set of tables is loaded into a second set (another prefix, same moto): a
pending delivery comes back due to the sweeper at its own next attempt and without the
lease of the stopped process; a final one as it was; events go back around the stream
mark except those fan-out may not have seen.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import boto3

from chalicelib.store import _dynamo
from chalicelib.store.deliveries import due_shard
from stack.provision import provision, stream_arn
from stack.saved_state import REFANOUT_SECONDS, SavedState

REGION = "us-east-1"


def _put(db: Any, table: str, **values: Any) -> None:
    db.put_item(TableName=table, Item=_dynamo.to_item(values))


def _event(location: str, key: str, received: float, **extra: Any) -> dict[str, Any]:
    ms = int(received * 1000)
    return {"pk": location, "sk": key, "ts": f"{ms:015d}#{key}", "ev": f"{location}#stamp_added", "body": "{}", **extra}


def _new_in_stream(arn: str, iterators: dict[str, str | None]) -> list[str]:
    streams = boto3.session.Session(region_name=REGION).client("dynamodbstreams")
    keys: list[str] = []
    for iterator in iterators.values():
        records = streams.get_records(ShardIterator=iterator)["Records"] if iterator else []
        keys += [r["dynamodb"]["Keys"]["sk"]["S"] for r in records]
    return keys


def test_a_save_loads_back_once_and_ready_for_the_sweeper(moto_url: str, tmp_path: Path) -> None:
    old = provision(prefix="saved-a", region=REGION)
    db = boto3.session.Session(region_name=REGION).client("dynamodb")
    now = time.time()
    _put(db, old["SUBSCRIPTIONS_TABLE"], pk="loc_1", sk="hook_1", event="stamp_added")
    # pending, mid-attempt when the process stopped: a first claim's record (no location, no index keys yet)
    _put(db, old["DELIVERIES_TABLE"], pk="hook_1", sk="c1", event_key="k1", event_id="e1", event="stamp_added",
         status="pending", attempts=1, next_at=now + 30, lease_until=now + 60, log="[]")  # fmt: skip
    _put(db, old["DELIVERIES_TABLE"], pk="hook_1", sk="c2", event_key="k2", event_id="e2", event="stamp_added",
         status="delivered", attempts=1, next_at=now, location_id="loc_1", log="[]")  # fmt: skip
    _put(db, old["EVENTS_TABLE"], **_event("loc_1", "settled", now - REFANOUT_SECONDS - 60))
    _put(db, old["EVENTS_TABLE"], **_event("loc_1", "recent", now - 10))
    _put(db, old["EVENTS_TABLE"], **_event("loc_1", "awaiting", now - REFANOUT_SECONDS - 60, awaiting=1, held="loc_1"))
    sqs = boto3.session.Session(region_name=REGION).client("sqs")
    sqs.send_message(QueueUrl=old["PARKED_QUEUE_URL"], MessageBody='{"note": 1}')

    saved = SavedState(tmp_path, old, REGION)
    counts = saved.save({"customers": {}})
    assert counts["DELIVERIES_TABLE"] == 2 and counts["EVENTS_TABLE"] == 3
    first = saved.path.read_text()
    saved.save({"customers": {}})
    assert saved.path.read_text() == first  # nothing changed: the file is not written again
    assert sqs.receive_message(QueueUrl=old["PARKED_QUEUE_URL"], VisibilityTimeout=0).get("Messages")  # saving leaves notes parked

    new = provision(prefix="saved-b", region=REGION)
    arn = stream_arn(new["EVENTS_TABLE"], region=REGION)
    marked: dict[str, str | None] = {}

    def mark() -> None:
        from stack.local import _latest

        marked.update(_latest(arn))

    data = SavedState(tmp_path, new, REGION).read()
    assert data is not None and data["sandbox"] == {"customers": {}}
    SavedState(tmp_path, new, REGION).load(data, mark)

    pending = _dynamo.from_item(db.get_item(TableName=new["DELIVERIES_TABLE"], Key=_dynamo.to_item({"pk": "hook_1", "sk": "c1"}))["Item"])
    assert "lease_until" not in pending
    assert float(pending["sweep_at"]) == float(pending["next_at"]) and pending["due"] == due_shard("hook_1")
    assert pending["location_id"] == "loc_1"
    final = _dynamo.from_item(db.get_item(TableName=new["DELIVERIES_TABLE"], Key=_dynamo.to_item({"pk": "hook_1", "sk": "c2"}))["Item"])
    assert final["status"] == "delivered" and "sweep_at" not in final
    assert sorted(_new_in_stream(arn, marked)) == ["awaiting", "recent"]  # fan-out sees only what it may have missed
    assert db.scan(TableName=new["EVENTS_TABLE"], Select="COUNT")["Count"] == 3
    assert sqs.receive_message(QueueUrl=new["PARKED_QUEUE_URL"], VisibilityTimeout=0)["Messages"][0]["Body"] == '{"note": 1}'
