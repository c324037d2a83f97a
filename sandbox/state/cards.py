"""Cards: issued to a new or returning customer, stamped (each goal reached issues a reward), shown by id or wallet link."""

from __future__ import annotations

import copy

from ..errors import ApiError
from ..validation import Fields
from ..values import CardStatus, Event, VoucherType, iso, new_id, utc_now, wallet_url
from .store import Obj, Response
from .vouchers import Vouchers


class Cards(Vouchers):
    def get_card(self, location_id: str, card_id: str) -> Obj:
        with self.lock:
            card = self._owned(self.cards, "card", location_id, card_id)
            return {"card": copy.deepcopy(card), "customer": copy.deepcopy(self.customers[card["customer_id"]])}

    def wallet(self, wallet_pass_id: str) -> Obj:
        """What the personal wallet link shows (no key: the link itself is the secret)."""
        with self.lock:
            for card in self.cards.values():
                if card["wallet_pass_id"] == wallet_pass_id:
                    template = self.card_templates[card["template_id"]]
                    return {"card": copy.deepcopy(card), "template": copy.deepcopy(template)}
            raise ApiError.not_found("wallet pass")

    def issue_card(self, location_id: str, body: Obj) -> Response:
        """201 with a new card, or 200 with the card of that template the customer already holds."""
        fields = Fields(body)
        email = fields.email("email")
        phone = fields.phone("phone")
        name = fields.text("name")
        birthday = fields.date("birthday")
        language = fields.text("language", max_length=35) or "en"
        template_id = fields.text("template_id")
        if email is None and phone is None and not {"email", "phone"} & fields.errors.keys():
            fields.fail("email", "Give an email or a phone number.")
            fields.fail("phone", "Give an email or a phone number.")
        with self.lock:
            template = self._card_template(location_id, template_id, fields)
            fields.done()
            assert template is not None
            customer = self._customer_by(location_id, "email", email) or self._customer_by(location_id, "phone", phone)
            if customer is None:
                customer = self._new_customer(location_id, email, phone, name, birthday, language)
            else:
                self._fill_blanks(location_id, customer, email=email, phone=phone, name=name, birthday=birthday)
                held = [card for card in self._cards_of(customer) if card["template_id"] == template["id"]]
                if held:
                    return 200, {"card": copy.deepcopy(held[0]), "customer": copy.deepcopy(customer)}
            card = self._new_card(location_id, customer, template)
            self._emit(location_id, Event.CARD_ISSUED, customer, card)
            return 201, {"card": copy.deepcopy(card), "customer": copy.deepcopy(customer)}

    def add_stamps(self, location_id: str, card_id: str, body: Obj) -> Obj:
        """Stamps wrap at each goal; every goal reached issues one reward voucher."""
        fields = Fields(body)
        count = fields.integer("count", 1, 50, required=True)
        comment = fields.text("comment", max_length=500)
        with self.lock:
            card = self._owned(self.cards, "card", location_id, card_id)
            fields.done()
            assert count is not None
            customer = self.customers[card["customer_id"]]
            reward_title = self.card_templates[card["template_id"]]["reward_title"]
            card["stamps"] += count
            card["total_stamps"] += count
            card["last_stamp_at"] = iso(utc_now())
            rewards: list[Obj] = []
            while card["stamps"] >= card["stamps_required"]:
                card["stamps"] -= card["stamps_required"]
                card["goal_index"] += 1
                rewards.append(self._new_voucher(location_id, VoucherType.REWARD, customer, card, title=reward_title))
            self._emit(
                location_id,
                Event.STAMP_ADDED,
                customer,
                card,
                card_fields={"stamps": card["stamps"], "stamps_required": card["stamps_required"]},
                extra={"stamp": {"count": count, "comment": comment}},
            )
            first_goal = card["goal_index"] - len(rewards) + 1
            for offset, voucher in enumerate(rewards):
                goal = {"goal_index": first_goal + offset}
                self._emit(location_id, Event.GOAL_REACHED, customer, card, card_fields=goal)
                self._emit(location_id, Event.REWARD_ISSUED, customer, card, card_fields=goal, voucher=voucher)
                self._emit(location_id, Event.VOUCHER_ISSUED, customer, card, voucher=voucher)
            return {
                "card": copy.deepcopy(card),
                "stamps_added": count,
                "goals_reached": len(rewards),
                "vouchers": copy.deepcopy(rewards),
            }

    def _new_card(self, location_id: str, customer: Obj, template: Obj) -> Obj:
        pass_id = new_id("wp")
        return self._put(
            self.cards,
            location_id,
            {
                "id": new_id("card"),
                "customer_id": customer["id"],
                "template_id": template["id"],
                "wallet_pass_id": pass_id,
                "wallet_url": wallet_url(self.base_url, pass_id),
                "status": CardStatus.ISSUED,
                "stamps": 0,
                "stamps_required": template["stamps_required"],
                "goal_index": 0,
                "total_stamps": 0,
                "last_stamp_at": None,
                "created_at": iso(utc_now()),
            },
        )
