"""Finding the customer and card an action is about, from an email, a phone, a customer id or a card id.

An ambiguous answer (several cards, no template given) is a 422 that lists the choices,
so a scenario builder can add the template and run again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.errors import NotFound, ValidationFailed
from chalicelib.sevenstamp.client import SevenStampClient


@dataclass(frozen=True)
class Holder:
    """A customer and, when one was chosen, their card."""

    customer: dict[str, Any]
    card: dict[str, Any] | None


def customers(client: SevenStampClient, by: str, value: str) -> list[dict[str, Any]]:
    """Customers (each with ``cards``) matching the identifier; empty when there are none (or only another location's)."""
    try:
        if by == "card_id":
            found = client.get_card(value)
            customer = dict(found["customer"])
            customer["cards"] = [found["card"]]
            return [customer]
        if by == "customer_id":
            return [client.get_customer(value)]
    except NotFound:  # another location's card or customer is as unknown as no card at all (the client maps 7stamp's 403 to it)
        return []
    return client.find_customers(**{by: value})


def single(client: SevenStampClient, by: str, value: str) -> dict[str, Any]:
    """The one customer the identifier names; 404 when none, 422 with the choices when several."""
    found = customers(client, by, value)
    if not found:
        raise NotFound(f"No customer with that {by.replace('_', ' ')}")
    if len(found) > 1:
        raise ValidationFailed(
            "Several customers match; give the customer_id", fields={by: "matches several customers", "choices": [c["id"] for c in found]}
        )
    return found[0]


def _describe(card: dict[str, Any]) -> str:
    return f"card {card.get('id')} (template {card.get('template_id')}, {card.get('stamps')}/{card.get('stamps_required')} stamps)"


def resolve(client: SevenStampClient, by: str, value: str, template_id: str | None) -> Holder:
    """The single customer and card meant; 404 when there is none, 422 with the choices when several fit."""
    found = customers(client, by, value)
    if not found:
        raise NotFound(f"No customer with that {by.replace('_', ' ')}")
    cards = [
        (customer, card)
        for customer in found
        for card in customer.get("cards") or []
        if (template_id is None or card.get("template_id") == template_id) and card.get("status") != "removed"
    ]
    if not cards:
        if len(found) == 1:
            raise NotFound("That customer has no card" + (f" of template {template_id}" if template_id else ""))
        raise NotFound(f"No card matches that {by.replace('_', ' ')}")
    if len(cards) > 1:
        choices = [{"card_id": c["id"], "customer_id": cu["id"], "template_id": c.get("template_id")} for cu, c in cards]
        raise ValidationFailed(
            "Several cards match: choose a card template (template_id) or give the card_id. Choices: "
            + "; ".join(_describe(c) for _, c in cards),
            fields={"template_id": "required because the customer holds several cards", "choices": choices},
        )
    customer, card = cards[0]
    return Holder(customer={k: v for k, v in customer.items() if k != "cards"}, card=card)
