"""7stamp's webhook deliveries at the door (pipeline/intake.py): verified, of their own location, deduplicated, stored once.

Each delivery is signed with the location's secret as 7stamp signs it (Standard Webhooks, whose check of the
timestamp reads the wall clock, not the services' clock); the
store, the key vault and the key cache are real (moto). Events here carry no customer, so
enrichment asks nothing of 7stamp.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace

import pytest
from unit_support import connected

from chalicelib.container import Services
from chalicelib.errors import BadRequest, Forbidden, NotFound, Unauthorized, ValidationFailed
from chalicelib.pipeline import intake
from chalicelib.security import signing
from chalicelib.store.records import Connection

SECRET = "whsec_" + "QUJD" * 10 + "QUI="


@pytest.fixture
def connection(services: Services) -> Connection:
    found = connected(services, "loc_a", "7loc_sc_intake_unit_key_000001", SECRET)
    assert isinstance(found, Connection)
    return found


def deliver(services: Services, connection: Connection, body: object, webhook_id: str = "msg_1", secret: str = SECRET) -> tuple[str, bool]:
    raw = body if isinstance(body, str) else json.dumps(body)
    headers = signing.headers(secret, webhook_id, int(time.time()), raw)
    return intake.receive(services, connection.token, raw.encode(), headers)


def event(**fields: object) -> dict:
    return {"event": "stamp_added", "location_id": "loc_a", "business_id": "biz_1", **fields}


def test_a_new_event_is_stored_with_its_id_and_enriched_flag(services: Services, connection: Connection) -> None:
    event_id, new = deliver(services, connection, event(stamps=3))
    assert new
    [text] = services.events.recent("loc_a", None, 10)
    stored = json.loads(text.text)
    assert stored == {**event(stamps=3), "id": event_id, "enriched": False}


def test_7stamps_retry_of_a_delivery_is_the_same_event(services: Services, connection: Connection) -> None:
    first, _ = deliver(services, connection, event())
    again, new = deliver(services, connection, event(), webhook_id="msg_1")
    assert (again, new) == (first, False)
    _, other = deliver(services, connection, event(), webhook_id="msg_2")
    assert other  # another webhook id is another event, though the body is the same
    assert len(services.events.recent("loc_a", None, 10)) == 2


def test_an_event_name_in_another_case_is_stored_as_the_triggers_name(services: Services, connection: Connection) -> None:
    deliver(services, connection, event(event="STAMP_ADDED"))
    [text] = services.events.recent("loc_a", "stamp_added", 10)
    assert json.loads(text.text)["event"] == "stamp_added"


def test_the_dedup_key_hashes_the_whole_webhook_id_or_the_canonical_body() -> None:
    long = "m" * 5000
    assert intake.dedup_key(long, {}) != intake.dedup_key(long + "x", {})
    assert len(intake.dedup_key(long, {})) < 100
    assert intake.dedup_key(None, {"a": 1, "b": 2}) == intake.dedup_key("", {"b": 2, "a": 1})
    assert intake.dedup_key(None, {"a": 1}) != intake.dedup_key(None, {"a": 2})


@pytest.mark.parametrize("token", ["", "short", "loc_a." + "x" * 32, "x" * 301])
def test_an_unknown_inbound_address_is_404(services: Services, connection: Connection, token: str) -> None:
    with pytest.raises(NotFound):
        intake.receive(services, token, b"{}", {})


def test_a_location_still_connecting_is_401(services: Services) -> None:
    token = services.locations.claim("loc_c", "loc_c." + "t" * 32)
    assert token is not None
    with pytest.raises(Unauthorized):
        intake.receive(services, token, b"{}", {})


def test_a_wrong_or_missing_signature_stores_nothing(services: Services, connection: Connection) -> None:
    with pytest.raises(Unauthorized):
        deliver(services, connection, event(), secret="whsec_" + "WFla" * 10 + "WFk=")
    with pytest.raises(Unauthorized):
        intake.receive(services, connection.token, json.dumps(event()).encode(), {})
    raw = json.dumps(event())
    headers = signing.headers(SECRET, "msg_1", int(time.time()), raw)
    with pytest.raises(Unauthorized):
        intake.receive(services, connection.token, (raw + " ").encode(), headers)  # the body changed after signing
    assert services.events.recent("loc_a", None, 10) == []


@pytest.mark.parametrize(
    ("body", "error"), [("[1]", BadRequest), ("not json", BadRequest), ("{}", ValidationFailed), ('{"event": ""}', ValidationFailed)]
)
def test_a_signed_body_that_is_no_event_is_refused_in_words(services: Services, connection: Connection, body: str, error: type) -> None:
    with pytest.raises(error):
        deliver(services, connection, body)
    assert services.events.recent("loc_a", None, 10) == []


def test_an_event_of_another_location_is_403_and_not_stored(services: Services, connection: Connection) -> None:
    with pytest.raises(Forbidden):
        deliver(services, connection, event(location_id="loc_b"))
    assert services.events.recent("loc_a", None, 10) == [] and services.events.recent("loc_b", None, 10) == []


def test_a_business_this_stage_does_not_serve_is_403(services: Services, connection: Connection) -> None:
    staged = replace(services, settings=replace(services.settings, allowed_businesses=frozenset({"biz_other"})))
    with pytest.raises(Forbidden):
        deliver(staged, connection, event())
    assert services.events.recent("loc_a", None, 10) == []
