"""Vouchers: issued by the API, by a goal reached or by a control event; found, shown and redeemed once."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from datetime import timedelta

from ..errors import ApiError
from ..paging import paginate
from ..validation import Fields
from ..values import (
    REDEEM_CODE_FORMATS,
    Event,
    RedeemedVia,
    VoucherStatus,
    VoucherType,
    iso,
    new_id,
    new_redeem_code,
    utc_now,
)
from .customers import Customers
from .events import Events
from .store import Obj, past
from .templates import Templates

_REDEEM_CODE = re.compile(r"[A-Za-z0-9_-]{3,64}")


class Vouchers(Customers, Templates, Events):
    def get_voucher(self, location_id: str, voucher_id: str) -> Obj:
        with self.lock:
            return copy.deepcopy(self._owned(self.vouchers, "voucher", location_id, voucher_id))

    def find_vouchers(self, location_id: str, query: Mapping[str, str]) -> Obj:
        fields = Fields(query, query=True)
        code = fields.text("redeem_code", max_length=64)
        customer_id = fields.text("customer_id")
        status = fields.choice("status", [status.value for status in VoucherStatus])
        with self.lock:
            found = [
                voucher
                for voucher in self._at(self.vouchers, location_id)
                if (code is None or voucher["redeem_code"].upper() == code.upper())
                and (customer_id is None or voucher["customer_id"] == customer_id)
                and (status is None or voucher["status"] == status)
            ]
            return paginate(found, self._position, fields)

    def issue_voucher(self, location_id: str, body: Obj) -> Obj:
        fields = Fields(body)
        customer_id = fields.text("customer_id")
        card_id = fields.text("card_id")
        template_id = fields.text("template_id")
        title = fields.text("title")
        description = fields.text("description", max_length=2000)
        redeem_code = fields.text("redeem_code", max_length=64)
        if redeem_code is not None and not _REDEEM_CODE.fullmatch(redeem_code):
            fields.fail("redeem_code", "must be 3 to 64 letters, digits, '-' or '_'.")
        formats = fields.subset("redeem_code_formats", REDEEM_CODE_FORMATS)
        expires_at = fields.timestamp("expires_at")
        if expires_at is not None and expires_at <= utc_now():
            fields.fail("expires_at", "must be in the future.")
        if customer_id is None and card_id is None and not {"customer_id", "card_id"} & fields.errors.keys():
            fields.fail("customer_id", "Give a customer_id or a card_id.")
        if template_id is None and title is None and not {"template_id", "title"} & fields.errors.keys():
            fields.fail("title", "Give a template_id or a title.")
        with self.lock:
            template = self._voucher_template(location_id, template_id, fields)
            fields.done()
            card = None if card_id is None else self._owned(self.cards, "card", location_id, card_id)
            if customer_id is not None:
                customer = self._owned(self.customers, "customer", location_id, customer_id)
            else:
                assert card is not None
                customer = self.customers[card["customer_id"]]
            if card is not None and card["customer_id"] != customer["id"]:
                raise ApiError.validation({"card_id": "belongs to another customer than customer_id."})
            if redeem_code is not None and self._redeem_code_taken(location_id, redeem_code):
                raise ApiError.conflict("conflict", "This redeem code is already used at this location.")
            voucher = self._new_voucher(
                location_id,
                VoucherType.VOUCHER,
                customer,
                card,
                title=title or (template["title"] if template else ""),
                template=template,
                description=description if description is not None or template is None else template["description"],
                redeem_code=redeem_code,
                formats=formats,
                expires_at=iso(expires_at) if expires_at else None,
            )
            self._emit(location_id, Event.VOUCHER_ISSUED, customer, card or self._latest_card(customer), voucher=voucher)
            return copy.deepcopy(voucher)

    def redeem_voucher(self, location_id: str, voucher_id: str, body: Obj) -> Obj:
        fields = Fields(body)
        comment = fields.text("comment", max_length=500)
        with self.lock:
            voucher = self._owned(self.vouchers, "voucher", location_id, voucher_id)
            fields.done()
            if voucher["status"] == VoucherStatus.REDEEMED:
                raise ApiError.conflict("already_redeemed", f"This voucher was redeemed at {voucher['redeemed_at']}.")
            if voucher["status"] == VoucherStatus.EXPIRED or past(voucher["expires_at"]):
                raise ApiError.conflict("voucher_expired", "This voucher has expired.")
            if voucher["status"] == VoucherStatus.CANCELLED:
                raise ApiError.conflict("conflict", "This voucher was cancelled.")
            voucher.update(status=VoucherStatus.REDEEMED, redeemed_at=iso(utc_now()), redeemed_via=RedeemedVia.API)
            customer, card = self._voucher_subject(voucher)
            self._emit(location_id, Event.VOUCHER_REDEEMED, customer, card, voucher=voucher, note={"comment": comment} if comment else None)
            return copy.deepcopy(voucher)

    def _new_voucher(
        self,
        location_id: str,
        kind: VoucherType,
        customer: Obj,
        card: Obj | None,
        *,
        title: str,
        template: Obj | None = None,
        description: str | None = None,
        redeem_code: str | None = None,
        formats: list[str] | None = None,
        expires_at: str | None = None,
    ) -> Obj:
        """A voucher in state; a template's validity_days sets expires_at unless one is given."""
        now = utc_now()
        if expires_at is None and template is not None and template["validity_days"]:
            expires_at = iso(now + timedelta(days=template["validity_days"]))
        code = redeem_code
        while code is None or self._redeem_code_taken(location_id, code):
            code = new_redeem_code()
        return self._put(
            self.vouchers,
            location_id,
            {
                "id": new_id("v"),
                "type": kind,
                "customer_id": customer["id"],
                "card_id": None if card is None else card["id"],
                "template_id": None if template is None else template["id"],
                "title": title,
                "description": description,
                "redeem_code": code,
                "redeem_code_formats": formats or list(REDEEM_CODE_FORMATS),
                "status": VoucherStatus.ISSUED,
                "issued_at": iso(now),
                "expires_at": expires_at,
                "redeemed_at": None,
                "redeemed_via": None,
            },
        )

    def _redeem_code_taken(self, location_id: str, code: str) -> bool:
        return any(voucher["redeem_code"].upper() == code.upper() for voucher in self._at(self.vouchers, location_id))

    def _latest_open_voucher(self, customer: Obj) -> Obj | None:
        return self._newest(
            voucher
            for voucher in self.vouchers.values()
            if voucher["customer_id"] == customer["id"] and voucher["status"] == VoucherStatus.ISSUED and not past(voucher["expires_at"])
        )

    def _voucher_subject(self, voucher: Obj) -> tuple[Obj, Obj]:
        """The customer and card a voucher's event is about (the customer's newest card for a voucher without one)."""
        customer = self.customers[voucher["customer_id"]]
        card = self.cards[voucher["card_id"]] if voucher["card_id"] else self._latest_card(customer)
        return customer, card
