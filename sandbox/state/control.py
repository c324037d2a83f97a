"""`POST /_sandbox/emit`: make one event happen at a location as the real service would.

Each event has one builder in `BUILDERS`: it changes state where the event implies it (a
card saved, a voucher redeemed or expired, a prize issued) and returns what the event adds
to the envelope. Adding an event is one entry there.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from ..errors import ApiError
from ..validation import Fields
from ..values import (
    CAMPAIGN_CHANNELS,
    EVENT_NAMES,
    LOTTERY_RESULTS,
    CardStatus,
    Event,
    RedeemedVia,
    VoucherStatus,
    VoucherType,
    iso,
    new_id,
    utc_now,
)
from .cards import Cards
from .store import Obj


@dataclass(frozen=True)
class Subject:
    """What a control event is about, and the options the caller gave for it."""

    location_id: str
    customer: Obj
    card: Obj
    voucher: Obj | None  # the voucher named by voucher_id, if any
    result: str
    channel: str
    campaign_name: str
    days: int


@dataclass(frozen=True)
class Parts:
    """What an event carries besides the envelope: a voucher, card fields beyond id and goal_index, other sections."""

    voucher: Obj | None = None
    card_fields: Obj = field(default_factory=dict)
    extra: Obj = field(default_factory=dict)


Builder = Callable[[Cards, Subject], Parts]


class Control(Cards):
    def emit_control(self, body: Obj) -> Obj:
        """Makes one event happen at a location, changing state where it applies.

        The subject is the voucher, card or customer given, else the location's most recent card.
        """
        fields = Fields(body)
        location_id = fields.text("location_id", required=True)
        name = fields.choice("event", EVENT_NAMES, required=True)
        result = fields.choice("result", LOTTERY_RESULTS, default="lose")
        channel = fields.choice("channel", CAMPAIGN_CHANNELS, default="push")
        campaign_name = fields.text("campaign_name") or "Sandbox campaign"
        days = fields.integer("days", 1, 3650, default=30)
        customer_id = fields.text("customer_id")
        card_id = fields.text("card_id")
        voucher_id = fields.text("voucher_id")
        with self.lock:
            if location_id is not None and location_id not in self.locations:
                fields.fail("location_id", "is not a location of the sandbox.")
            fields.done()
            assert location_id is not None and name is not None and result is not None
            assert channel is not None and days is not None
            event = Event(name)
            given = None if voucher_id is None else self._owned(self.vouchers, "voucher", location_id, voucher_id)
            customer, card = self._subject(location_id, customer_id, card_id, given)
            subject = Subject(location_id, customer, card, given, result, channel, campaign_name, days)
            parts = BUILDERS[event](self, subject)
            payload, message_ids = self._emit(
                location_id, event, customer, card, voucher=parts.voucher, card_fields=parts.card_fields, extra=parts.extra
            )
            return {"event": payload, "message_ids": message_ids}

    def _subject(self, location_id: str, customer_id: str | None, card_id: str | None, voucher: Obj | None) -> tuple[Obj, Obj]:
        """The customer and card a control event is about; a location without cards gets a demo customer and card."""
        if voucher is not None:
            return self._voucher_subject(voucher)
        if card_id is not None:
            card = self._owned(self.cards, "card", location_id, card_id)
            return self.customers[card["customer_id"]], card
        if customer_id is not None:
            customer = self._owned(self.customers, "customer", location_id, customer_id)
            return customer, self._latest_card(customer)
        newest = self._newest(self._at(self.cards, location_id))
        if newest is not None:
            return self.customers[newest["customer_id"]], newest
        customer = self._new_customer(location_id, f"demo.{secrets.token_hex(3)}@demo.example", None, "Demo Customer", None, "en")
        template = self._card_template(location_id, None, Fields({}))
        if template is None:
            raise ApiError.validation({"location_id": "has no card template to issue a demo card from."})
        return customer, self._new_card(location_id, customer, template)


# ----- one builder per event -------------------------------------------------------------------


def _envelope_only(state: Cards, s: Subject) -> Parts:
    return Parts()


def _card_saved(state: Cards, s: Subject) -> Parts:
    s.card["status"] = CardStatus.SAVED
    return Parts()


def _stamp_added(state: Cards, s: Subject) -> Parts:
    return Parts(
        card_fields={"stamps": s.card["stamps"], "stamps_required": s.card["stamps_required"]},
        extra={"stamp": {"count": 1, "comment": None}},
    )


def _reward_issued(state: Cards, s: Subject) -> Parts:
    title = state.card_templates[s.card["template_id"]]["reward_title"]
    return Parts(voucher=s.voucher or state._new_voucher(s.location_id, VoucherType.REWARD, s.customer, s.card, title=title))


def _voucher_issued(state: Cards, s: Subject) -> Parts:
    return Parts(voucher=s.voucher or _sandbox_voucher(state, s))


def _voucher_redeemed(state: Cards, s: Subject) -> Parts:
    voucher = _open_voucher(state, s)
    if voucher["status"] != VoucherStatus.REDEEMED:
        voucher.update(status=VoucherStatus.REDEEMED, redeemed_at=iso(utc_now()), redeemed_via=RedeemedVia.STAFF_SCANNER)
    return Parts(voucher=voucher)


def _voucher_expired(state: Cards, s: Subject) -> Parts:
    voucher = _open_voucher(state, s)
    voucher["status"] = VoucherStatus.EXPIRED
    return Parts(voucher=voucher)


def _lottery_played(state: Cards, s: Subject) -> Parts:
    voucher = None
    prize = None
    if s.result == "win":
        voucher = state._new_voucher(s.location_id, VoucherType.LOTTERY_PRIZE, s.customer, s.card, title="Lottery prize: a free coffee")
        prize = {"title": voucher["title"], "voucher_id": voucher["id"]}
    return Parts(voucher=voucher, extra={"lottery": {"id": new_id("lot"), "result": s.result, "prize": prize}})


def _birthday_reached(state: Cards, s: Subject) -> Parts:
    return Parts(
        voucher=state._new_voucher(
            s.location_id,
            VoucherType.BIRTHDAY,
            s.customer,
            s.card,
            title="Happy birthday: a treat on us",
            expires_at=iso(utc_now() + timedelta(days=30)),
        )
    )


def _inactivity_trigger(state: Cards, s: Subject) -> Parts:
    return Parts(extra={"inactivity": {"days": s.days}})


def _campaign_sent(state: Cards, s: Subject) -> Parts:
    return Parts(extra={"campaign": {"id": new_id("cmp"), "name": s.campaign_name, "channel": s.channel}})


def _sandbox_voucher(state: Cards, s: Subject) -> Obj:
    return state._new_voucher(s.location_id, VoucherType.VOUCHER, s.customer, s.card, title="Sandbox voucher")


def _open_voucher(state: Cards, s: Subject) -> Obj:
    """The voucher given, else the customer's newest open one, else a new one."""
    return s.voucher or state._latest_open_voucher(s.customer) or _sandbox_voucher(state, s)


BUILDERS: dict[Event, Builder] = {
    Event.CARD_ISSUED: _envelope_only,
    Event.CARD_SAVED: _card_saved,
    Event.CARD_OPENED: _envelope_only,
    Event.STAMP_ADDED: _stamp_added,
    Event.GOAL_REACHED: _envelope_only,
    Event.REWARD_ISSUED: _reward_issued,
    Event.VOUCHER_ISSUED: _voucher_issued,
    Event.VOUCHER_REDEEMED: _voucher_redeemed,
    Event.VOUCHER_EXPIRED: _voucher_expired,
    Event.LOTTERY_PLAYED: _lottery_played,
    Event.BIRTHDAY_REACHED: _birthday_reached,
    Event.INACTIVITY_TRIGGER: _inactivity_trigger,
    Event.CAMPAIGN_SENT: _campaign_sent,
}
