"""The cost benchmark's meter against moto's server: calls by operation, DynamoDB's unit rules, item sizes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from benchmarks._meter import Meter, Usage, item_size


def test_item_size_follows_dynamodbs_rules():
    item = {
        "pk": {"S": "abc"},  # 2 + 3
        "n": {"N": "12300"},  # 1 + (3 significant digits + 1) // 2 + 1 = 1 + 3
        "ok": {"BOOL": True},  # 2 + 1
        "m": {"M": {"x": {"S": "yz"}}},  # 1 + 3 + (1 + 2 + 1)
        "l": {"L": [{"S": "ab"}, {"NULL": True}]},  # 1 + 3 + (2 + 1) + (1 + 1)
        "ü": {"B": b"\x00\x01"},  # 2 (UTF-8) + 2
    }
    assert item_size(item) == 5 + 4 + 3 + 8 + 9 + 4
    assert item_size(None) == 0


@pytest.fixture
def metered(moto_url: str) -> Iterator[tuple[Meter, Any]]:
    """A table with a full and a keys-only sparse index, a meter, and a client that reports to it.

    Only that client reports: with ``install`` every client made meanwhile would, and other tests' background
    workers (the session's local stack) may make one and write while a stretch is open.
    """
    session = boto3.session.Session(region_name="us-east-1")
    inspector = session.client("dynamodb")
    inspector.create_table(
        TableName="meter-test",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "g", "h")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[
            {"IndexName": "all", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}},
            {"IndexName": "keys", "KeySchema": [{"AttributeName": "h", "KeyType": "HASH"}], "Projection": {"ProjectionType": "KEYS_ONLY"}},
        ],
    )
    meter = Meter(inspector)
    try:
        yield meter, meter.attach(boto3.session.Session(region_name="us-east-1").client("dynamodb"))
    finally:
        inspector.delete_table(TableName="meter-test")


def test_writes_cost_units_in_the_table_and_in_the_indexes_they_touch(metered):
    meter, db = metered
    db.put_item(TableName="meter-test", Item={"pk": {"S": "before"}})  # outside any stretch: not counted
    usage = Usage()
    with meter.measuring(usage):
        db.put_item(TableName="meter-test", Item={"pk": {"S": "a"}, "g": {"S": "g1"}, "h": {"S": "h1"}, "v": {"S": "x"}})
    assert usage.calls == {"dynamodb.PutItem": 1}
    assert usage.write_units == {"meter-test": 1, "meter-test/all": 1, "meter-test/keys": 1}
    assert usage.written["meter-test"] == item_size({"pk": {"S": "a"}, "g": {"S": "g1"}, "h": {"S": "h1"}, "v": {"S": "x"}})
    assert usage.written["meter-test/keys"] == item_size({"pk": {"S": "a"}, "h": {"S": "h1"}})

    moved = Usage()
    with meter.measuring(moved):  # the full index's key moves: delete + put there; the keys-only entry is untouched
        db.update_item(
            TableName="meter-test", Key={"pk": {"S": "a"}}, UpdateExpression="SET g = :g", ExpressionAttributeValues={":g": {"S": "g2"}}
        )
    assert moved.write_units == {"meter-test": 1, "meter-test/all": 2}

    plain = Usage()
    with meter.measuring(plain):  # a non-key attribute: the full index rewrites its entry, the keys-only one does not
        db.update_item(
            TableName="meter-test", Key={"pk": {"S": "a"}}, UpdateExpression="SET v = :v", ExpressionAttributeValues={":v": {"S": "y"}}
        )
    assert plain.write_units == {"meter-test": 1, "meter-test/all": 1}


def test_size_rounds_up_per_kilobyte_failed_conditions_cost_one_and_transactions_double(metered):
    meter, db = metered
    usage = Usage()
    with meter.measuring(usage):
        db.put_item(TableName="meter-test", Item={"pk": {"S": "big"}, "v": {"S": "x" * 2500}})
        with pytest.raises(db.exceptions.ConditionalCheckFailedException):
            db.put_item(TableName="meter-test", Item={"pk": {"S": "big"}}, ConditionExpression="attribute_not_exists(pk)")
        db.transact_write_items(TransactItems=[{"Put": {"TableName": "meter-test", "Item": {"pk": {"S": "t"}}}}])
    assert usage.calls == {"dynamodb.PutItem": 2, "dynamodb.TransactWriteItems": 1}
    assert usage.write_units == {"meter-test": 3 + 1 + 2}


def test_reads_cost_half_a_unit_per_4_kb_eventually_and_one_when_consistent(metered):
    meter, db = metered
    db.put_item(TableName="meter-test", Item={"pk": {"S": "r"}, "v": {"S": "x" * 5000}})
    usage = Usage()
    with meter.measuring(usage):
        db.get_item(TableName="meter-test", Key={"pk": {"S": "r"}})
        db.get_item(TableName="meter-test", Key={"pk": {"S": "r"}}, ConsistentRead=True)
        db.get_item(TableName="meter-test", Key={"pk": {"S": "missing"}})
    assert usage.read_units == 2 * 0.5 + 2 * 1 + 0.5
    assert usage.count("dynamodb") == 3 and usage.wru == 0


def test_partiql_writes_are_found_by_their_statements_table(metered):
    meter, db = metered
    db.put_item(TableName="meter-test", Item={"pk": {"S": "p"}, "g": {"S": "g1"}, "v": {"S": "x"}})
    usage = Usage()
    with meter.measuring(usage):
        db.execute_statement(Statement="UPDATE \"meter-test\" SET v='y' WHERE pk='p'")
        db.batch_execute_statement(Statements=[{"Statement": "UPDATE \"meter-test\" SET v='z' WHERE pk='p'"}])
        db.execute_statement(Statement="SELECT * FROM \"meter-test\" WHERE pk = 'p'")
    assert usage.calls == {"dynamodb.ExecuteStatement": 2, "dynamodb.BatchExecuteStatement": 1}
    assert usage.write_units == {"meter-test": 2, "meter-test/all": 2}
    assert usage.read_units == 0.5
