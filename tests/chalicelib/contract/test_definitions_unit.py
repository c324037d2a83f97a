"""The definitions' shapes (contract/definitions.py): an action's 7stamp keys per write, and its route.

Named ``_unit`` because tests/triggers/test_definitions.py (every definition checked) holds the plain name.
"""

from __future__ import annotations

import pytest

from chalicelib.contract.definitions import ActionContext, ActionDefinition
from chalicelib.contract.input_types import Input


def context(key: str) -> ActionContext:
    return ActionContext(client=None, tenant=None, idempotency_key=key)  # type: ignore[arg-type]


def test_each_write_of_an_action_has_its_own_key_made_from_the_callers() -> None:
    ctx = context("loc_a:order-7")
    assert ctx.key_for("issue") == "loc_a:order-7:issue"
    assert ctx.key_for("stamp") == "loc_a:order-7:stamp"


@pytest.mark.parametrize("key", ["k" * 300, "loc_a:ördér", "loc_a:tab\there", "loc_a:new\nline"])
def test_a_key_that_cannot_be_a_header_is_hashed_stably_and_apart_per_write(key: str) -> None:
    issued, stamped = context(key).key_for("issue"), context(key).key_for("stamp")
    assert issued.startswith("sha256:") and len(issued) <= 255 and issued.isascii() and issued.isprintable()
    assert issued == context(key).key_for("issue") and issued != stamped


def test_a_key_at_the_header_limit_stays_readable() -> None:
    key = "k" * (255 - len(":issue"))
    assert context(key).key_for("issue") == key + ":issue"
    assert context(key + "k").key_for("issue").startswith("sha256:")


def action(key: str, kind: str) -> ActionDefinition:
    return ActionDefinition(key, kind, "Noun", "Label", "", Input, (), {}, lambda ctx, data: None)  # type: ignore[arg-type]


def test_an_actions_route_is_its_key_with_dashes_and_a_search_drops_find() -> None:
    assert action("add_stamp", "create").path == "/v1/actions/add-stamp"
    assert action("find_card_history", "search").path == "/v1/searches/card-history"
    assert action("find_thing", "create").slug == "find-thing"  # only a search drops find_
