"""The repositories' DynamoDB toolkit: item (de)serialising, DynamoDB's item size, and errors translated at one place."""

from __future__ import annotations

import pytest

from chalicelib.container import Services
from chalicelib.errors import UpstreamError
from chalicelib.store import Dynamo
from chalicelib.store._dynamo import ConditionFailed, from_item, item_size, to_item, values


def test_plain_values_go_in_and_come_back_the_same() -> None:
    plain = {"s": "Zoë", "i": 42, "f": 0.25, "neg": -7, "b": b"\x00\xff", "flag": True, "set": {"a", "b"}}
    assert from_item(to_item(plain)) == plain


def test_none_is_left_out_and_floats_are_exact_decimals() -> None:
    item = to_item({"kept": 1, "gone": None, "f": 0.1})
    assert "gone" not in item
    assert item["f"] == {"N": "0.1"}  # not 0.1000000000000000055511151231257827
    assert values(a=1, b="x") == {":a": {"N": "1"}, ":b": {"S": "x"}}


def test_an_items_size_counts_names_and_utf8_bytes_as_dynamodb_does() -> None:
    text = "é" * 10  # 20 bytes in UTF-8
    assert item_size(to_item({"name": text})) == len("name") + len(text.encode())
    assert item_size(to_item({"b": b"12345"})) == 1 + 5
    assert item_size(to_item({"a": "x", "bb": "yy"})) == (1 + 1) + (2 + 2)


def test_a_numbers_size_grows_with_its_significant_digits() -> None:
    short = item_size(to_item({"n": 7}))
    long = item_size(to_item({"n": 12345678901234567890}))
    assert short >= 1 + 2  # a name byte, at least one digit byte and one more
    assert long >= 1 + 10 + 1  # 20 digits: one byte per two, and one
    assert item_size(to_item({"n": -12345678901234567890})) == long  # the sign costs nothing


def test_a_failed_condition_hands_back_the_item_as_it_was(services: Services) -> None:
    db = Dynamo(services.aws)
    table = services.settings.keys_table
    db.call("put_item", TableName=table, Item=to_item({"pk": "one", "v": 1}))
    with pytest.raises(ConditionFailed) as failed:
        db.call(
            "put_item",
            TableName=table,
            Item=to_item({"pk": "one", "v": 2}),
            ConditionExpression="attribute_not_exists(pk)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    assert failed.value.item is not None and from_item(failed.value.item) == {"pk": "one", "v": 1}


def test_any_other_storage_error_is_an_upstream_error_that_names_no_table(services: Services) -> None:
    db = Dynamo(services.aws)
    with pytest.raises(UpstreamError) as failed:
        db.call("get_item", TableName="no-such-table", Key=to_item({"pk": "x"}))
    assert "no-such-table" not in str(failed.value)


def test_batch_get_finds_every_existing_item_over_many_chunks(services: Services) -> None:
    db = Dynamo(services.aws)
    table = services.settings.keys_table
    for n in range(0, 250, 2):
        db.call("put_item", TableName=table, Item=to_item({"pk": f"k{n}", "n": n}))
    found = db.batch_get(table, [{"pk": f"k{n}"} for n in range(250)])
    assert sorted(i["n"] for i in found) == list(range(0, 250, 2))
    assert db.batch_get(table, []) == []
