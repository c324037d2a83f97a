"""A card's field labels (contract/card_labels.py): one label per field, the same wherever a card is shown."""

from __future__ import annotations

import pytest

from chalicelib.contract.card_labels import LABELS, card_field, card_fields
from chalicelib.contract.definitions import OutputField


def test_every_field_has_its_own_label() -> None:
    labels = [label for label, _ in LABELS.values()]
    assert len(set(labels)) == len(labels) and all(labels)


def test_a_field_is_found_at_its_name_or_at_the_key_given() -> None:
    assert card_field("stamps") == OutputField("stamps", LABELS["stamps"][0], "integer")
    assert card_field("id", "card_id") == OutputField("card_id", "Card ID", "string")


def test_fields_keep_their_order_and_prefix() -> None:
    assert [f.key for f in card_fields("stamps", "id", prefix="card.")] == ["card.stamps", "card.id"]
    assert [f.label for f in card_fields("stamps", "id")] == [LABELS["stamps"][0], LABELS["id"][0]]


def test_a_field_without_a_label_is_an_error_not_a_blank() -> None:
    with pytest.raises(KeyError):
        card_field("colour")
