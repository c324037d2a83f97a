"""Finding the customer and card an action means: one, none (404) or several (422 listing the choices).

A small 7stamp stand-in over httpx's MockTransport (as test_client.py does) answers from a
fixed set of customers and cards of one location; anything of another location is a 403, as 7stamp answers.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from chalicelib.errors import NotFound, ValidationFailed
from chalicelib.sevenstamp.client import SevenStampClient, http_client
from chalicelib.sevenstamp.customers import Holder, customers, resolve, single

CARD_A = {"id": "card_a", "template_id": "tpl_coffee", "stamps": 3, "stamps_required": 10, "status": "active"}
CARD_B = {"id": "card_b", "template_id": "tpl_cake", "stamps": 1, "stamps_required": 5, "status": "active"}
CARD_GONE = {"id": "card_gone", "template_id": "tpl_coffee", "stamps": 0, "stamps_required": 10, "status": "removed"}
ZOE = {"id": "cus_zoe", "name": "Zoë", "email": "zoe@example.com", "cards": [CARD_A, CARD_B]}
ANN = {"id": "cus_ann", "name": "Ann", "email": "twins@example.com", "cards": [CARD_GONE]}
BEA = {"id": "cus_bea", "name": "Bea", "email": "twins@example.com", "cards": [{**CARD_A, "id": "card_bea"}]}
CUSTOMERS = [ZOE, ANN, BEA]
OTHER_LOCATIONS = {"card_theirs", "cus_theirs"}


def answer(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path == "/v1/customers":
        email = request.url.params.get("email")
        return httpx.Response(200, json={"data": [c for c in CUSTOMERS if c["email"] == email], "next_cursor": None})
    kind, _, key = path.removeprefix("/v1/").partition("/")
    if key in OTHER_LOCATIONS:
        return httpx.Response(403, json={"error": {"code": "forbidden", "message": "another location's"}})
    if kind == "customers":
        found = [c for c in CUSTOMERS if c["id"] == key]
        return httpx.Response(200, json=found[0]) if found else httpx.Response(404, json={"error": {"code": "not_found", "message": "-"}})
    if kind == "cards":
        for c in CUSTOMERS:
            for card in c["cards"]:
                if card["id"] == key:
                    return httpx.Response(200, json={"card": card, "customer": {k: v for k, v in c.items() if k != "cards"}})
        return httpx.Response(404, json={"error": {"code": "not_found", "message": "-"}})
    return httpx.Response(500)


@pytest.fixture
def client() -> SevenStampClient:
    return SevenStampClient(http_client("http://7stamp.test", transport=httpx.MockTransport(answer)), "7loc_sc_customers_unit_key_01")


def ids(found: list[dict[str, Any]]) -> list[str]:
    return [c["id"] for c in found]


def test_customers_by_each_identifier(client: SevenStampClient) -> None:
    assert ids(customers(client, "email", "twins@example.com")) == ["cus_ann", "cus_bea"]
    assert ids(customers(client, "customer_id", "cus_zoe")) == ["cus_zoe"]
    by_card = customers(client, "card_id", "card_b")
    assert ids(by_card) == ["cus_zoe"] and by_card[0]["cards"] == [CARD_B]  # only the card named


@pytest.mark.parametrize(
    ("by", "value"),
    [
        ("card_id", "card_none"),
        ("customer_id", "cus_none"),
        ("card_id", "card_theirs"),
        ("customer_id", "cus_theirs"),
        ("email", "nobody@example.com"),
    ],
)
def test_an_unknown_or_another_locations_object_is_no_customer(client: SevenStampClient, by: str, value: str) -> None:
    assert customers(client, by, value) == []
    with pytest.raises(NotFound):
        single(client, by, value)
    with pytest.raises(NotFound):
        resolve(client, by, value, None)


def test_single_refuses_several_listing_them(client: SevenStampClient) -> None:
    with pytest.raises(ValidationFailed) as several:
        single(client, "email", "twins@example.com")
    assert several.value.fields["choices"] == ["cus_ann", "cus_bea"]
    assert single(client, "email", "zoe@example.com")["id"] == "cus_zoe"


def test_resolve_picks_the_card_of_the_template_given(client: SevenStampClient) -> None:
    holder = resolve(client, "customer_id", "cus_zoe", "tpl_cake")
    customer = {k: v for k, v in ZOE.items() if k != "cards"}
    assert holder == Holder(customer=customer, card=CARD_B)


def test_several_cards_without_a_template_is_a_422_with_every_choice(client: SevenStampClient) -> None:
    with pytest.raises(ValidationFailed) as several:
        resolve(client, "customer_id", "cus_zoe", None)
    choices = several.value.fields["choices"]
    assert [(c["card_id"], c["customer_id"], c["template_id"]) for c in choices] == [
        ("card_a", "cus_zoe", "tpl_coffee"),
        ("card_b", "cus_zoe", "tpl_cake"),
    ]
    assert "card_a" in several.value.message and "card_b" in several.value.message


def test_a_removed_card_is_never_chosen(client: SevenStampClient) -> None:
    holder = resolve(client, "email", "twins@example.com", "tpl_coffee")  # Ann's coffee card is removed: Bea's is the one
    assert holder.customer["id"] == "cus_bea" and holder.card is not None and holder.card["id"] == "card_bea"
    with pytest.raises(NotFound) as none:
        resolve(client, "customer_id", "cus_ann", None)
    assert "no card" in none.value.message


def test_a_template_no_card_has_is_a_404_naming_it(client: SevenStampClient) -> None:
    with pytest.raises(NotFound) as none:
        resolve(client, "customer_id", "cus_zoe", "tpl_tea")
    assert "tpl_tea" in none.value.message
