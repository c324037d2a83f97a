"""Customers: found by email or phone, shown with their cards, created or completed when a card is issued."""

from __future__ import annotations

import copy
from collections.abc import Mapping

from ..paging import paginate
from ..validation import Fields
from ..values import iso, new_id, utc_now
from .store import Obj, Store


class Customers(Store):
    def find_customers(self, location_id: str, query: Mapping[str, str]) -> Obj:
        fields = Fields(query, query=True)
        email = fields.email("email")
        phone = fields.phone("phone")
        with self.lock:
            found = [
                customer
                for customer in self._at(self.customers, location_id)
                if (email is None or customer["email"] == email) and (phone is None or customer["phone"] == phone)
            ]
            return paginate(found, self._position, fields, self._customer_view)

    def get_customer(self, location_id: str, customer_id: str) -> Obj:
        with self.lock:
            return self._customer_view(self._owned(self.customers, "customer", location_id, customer_id))

    def _customer_view(self, customer: Obj) -> Obj:
        cards = sorted(self._cards_of(customer), key=self._position, reverse=True)
        return {**copy.deepcopy(customer), "cards": copy.deepcopy(cards)}

    def _cards_of(self, customer: Obj) -> list[Obj]:
        return [card for card in self.cards.values() if card["customer_id"] == customer["id"]]

    def _latest_card(self, customer: Obj) -> Obj:
        """Every customer gets a card when created, so there is always one."""
        card = self._newest(self._cards_of(customer))
        assert card is not None
        return card

    def _customer_by(self, location_id: str, field: str, value: str | None) -> Obj | None:
        if value is None:
            return None
        return next((c for c in self._at(self.customers, location_id) if c[field] == value), None)

    def _fill_blanks(self, location_id: str, customer: Obj, **values: str | None) -> None:
        """A returning customer's empty fields take the new values, unless another customer holds that contact."""
        for field, value in values.items():
            if value is None or customer[field] is not None:
                continue
            if field in ("email", "phone") and self._customer_by(location_id, field, value) is not None:
                continue
            customer[field] = value

    def _new_customer(
        self, location_id: str, email: str | None, phone: str | None, name: str | None, birthday: str | None, language: str
    ) -> Obj:
        return self._put(
            self.customers,
            location_id,
            {
                "id": new_id("c"),
                "email": email,
                "phone": phone,
                "name": name,
                "birthday": birthday,
                "language": language,
                "created_at": iso(utc_now()),
            },
        )
