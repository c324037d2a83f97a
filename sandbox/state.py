"""The in-memory 7stamp: every object and business rule, behind one re-entrant lock.

Objects are plain dicts shaped as section 2 of the contract. Which location owns an object
is kept beside them (`owner`), and creation order in `_order`, which gives lists their
newest-first order and their cursors. Callers get deep copies, never live objects.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from .errors import ApiError
from .paging import paginate
from .seed import build_seed
from .validation import Fields, period_bound
from .values import (
    CAMPAIGN_CHANNELS,
    EVENT_NAMES,
    LOTTERY_RESULTS,
    REDEEM_CODE_FORMATS,
    CardStatus,
    Event,
    RedeemedVia,
    VoucherStatus,
    VoucherType,
    iso,
    new_id,
    new_redeem_code,
    utc_now,
    wallet_url,
)
from .webhooks import Delivery

Obj = dict[str, Any]
Response = tuple[int, Any]

KEY_PATTERN = re.compile(r"7loc_sc_[A-Za-z0-9_-]{16,128}")
_REDEEM_CODE = re.compile(r"[A-Za-z0-9_-]{3,64}")
_IDEMPOTENCY_TTL_SECONDS = 24 * 3600
_VOUCHER_EVENT_FIELDS = ("id", "type", "redeem_code", "redeem_code_formats", "status", "redeemed_via")
_ENVELOPE = ("event", "timestamp", "business_id", "location_id")
_ANALYTICS = {
    Event.CARD_ISSUED: "cards_issued",
    Event.CARD_SAVED: "cards_saved",
    Event.STAMP_ADDED: "stamps_added",
    Event.GOAL_REACHED: "goals_reached",
    Event.VOUCHER_ISSUED: "vouchers_issued",
    Event.VOUCHER_REDEEMED: "vouchers_redeemed",
}


@dataclass(frozen=True)
class HistoryRecord:
    """One emitted event: the contract's history entry plus where it happened."""

    location_id: str
    card_id: str
    entry: Obj


@dataclass(frozen=True)
class IdempotencyRecord:
    fingerprint: str
    status: int
    body: str
    stored_at: float


class State:
    """The whole emulated service; every public method takes the lock, so handler threads may call freely."""

    def __init__(
        self,
        deliver: Callable[[Delivery], None],
        *,
        base_url: str = "http://127.0.0.1",
    ) -> None:
        self.lock = threading.RLock()
        self._deliver = deliver
        self.base_url = base_url
        self.reset()

    # ----- lifecycle -------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the seed: demo objects only; no vouchers, webhooks, history or idempotency records."""
        with self.lock:
            seed = build_seed(self.base_url)
            self.businesses = seed.businesses
            self.locations = seed.locations
            self.api_keys = seed.api_keys
            self.card_templates = seed.card_templates
            self.voucher_templates = seed.voucher_templates
            self.customers = seed.customers
            self.cards = seed.cards
            self.vouchers: dict[str, Obj] = {}
            self.webhook_endpoints: dict[str, Obj] = {}
            self.history: list[HistoryRecord] = []
            self.webhook_attempts: list[Obj] = []
            self.owner: dict[str, str] = {}
            self._order: dict[str, int] = {}
            for obj_id, location_id in seed.owner.items():
                self._track(obj_id, location_id)
            self._idempotency: dict[tuple[str, str], IdempotencyRecord] = {}

    def set_base_url(self, base_url: str) -> None:
        """Wallet links point at the running server, whose port is known only once it listens."""
        with self.lock:
            self.base_url = base_url
            for card in self.cards.values():
                card["wallet_url"] = wallet_url(base_url, card["wallet_pass_id"])

    # ----- the request pipeline: API keys and idempotency -------------------------------------

    def authenticate(self, authorization: str | None) -> Obj:
        if not authorization:
            raise ApiError.unauthorized("Send the API key as 'Authorization: Bearer 7loc_sc_...'.")
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not KEY_PATTERN.fullmatch(token):
            raise ApiError.unauthorized("The API key is malformed.")
        with self.lock:
            key = self.api_keys.get(token)
            if key is None:
                raise ApiError.unauthorized("The API key is unknown.")
            if key["revoked"]:
                raise ApiError.unauthorized("The API key has been revoked.")
            return dict(key)

    def idempotent(self, location_id: str, key: str, fingerprint: str, action: Callable[[], Response]) -> Response:
        """Runs `action` once per (location, key); a repeat replays its success, other input is a conflict.

        Only successes are kept: a failed request changed nothing, so it may be retried with the key.
        """
        if not 1 <= len(key) <= 255:
            raise ApiError.validation({"Idempotency-Key": "must be 1 to 255 characters."})
        with self.lock:
            record = self._idempotency.get((location_id, key))
            if record is not None and time.time() - record.stored_at > _IDEMPOTENCY_TTL_SECONDS:
                record = None
            if record is not None:
                if record.fingerprint != fingerprint:
                    raise ApiError.conflict(
                        "idempotency_conflict", "This Idempotency-Key was used with another request.",
                    )
                return record.status, json.loads(record.body)
            status, body = action()
            if 200 <= status < 300:
                self._idempotency[(location_id, key)] = IdempotencyRecord(
                    fingerprint, status, json.dumps(body), time.time(),
                )
            return status, body

    def record_attempt(self, attempt: Obj) -> None:
        with self.lock:
            self.webhook_attempts.append(attempt)

    def attempts(self) -> list[Obj]:
        with self.lock:
            return copy.deepcopy(self.webhook_attempts)

    def keys(self) -> list[Obj]:
        with self.lock:
            return [
                {**key, "location_name": self.locations[key["location_id"]]["name"]}
                for key in self.api_keys.values()
            ]

    # ----- reads -------------------------------------------------------------------------------

    def me(self, key: Obj) -> Obj:
        with self.lock:
            location = self.locations[key["location_id"]]
            business = self.businesses[location["business_id"]]
            return {
                "key_prefix": key["key"][:12] + "…",
                "staff_login": key["staff_login"],
                "business_id": business["id"],
                "business_name": business["name"],
                "location_id": location["id"],
                "location_name": location["name"],
            }

    def list_card_templates(self, location_id: str, query: Mapping[str, str]) -> Obj:
        with self.lock:
            return paginate(self._at(self.card_templates, location_id), self._position, Fields(query, query=True))

    def list_voucher_templates(self, location_id: str, query: Mapping[str, str]) -> Obj:
        with self.lock:
            return paginate(self._at(self.voucher_templates, location_id), self._position,
                            Fields(query, query=True))

    def get_card(self, location_id: str, card_id: str) -> Obj:
        with self.lock:
            card = self._owned(self.cards, "card", location_id, card_id)
            return {"card": copy.deepcopy(card), "customer": copy.deepcopy(self.customers[card["customer_id"]])}

    def card_history(self, location_id: str, card_id: str, query: Mapping[str, str]) -> Obj:
        with self.lock:
            self._owned(self.cards, "card", location_id, card_id)
            entries = [record.entry for record in self.history if record.card_id == card_id]
            return paginate(entries, self._position, Fields(query, query=True))

    def wallet(self, wallet_pass_id: str) -> Obj:
        """What the personal wallet link shows (no key: the link itself is the secret)."""
        with self.lock:
            for card in self.cards.values():
                if card["wallet_pass_id"] == wallet_pass_id:
                    template = self.card_templates[card["template_id"]]
                    return {"card": copy.deepcopy(card), "template": copy.deepcopy(template)}
            raise ApiError.not_found("wallet pass")

    def find_customers(self, location_id: str, query: Mapping[str, str]) -> Obj:
        fields = Fields(query, query=True)
        email = fields.email("email")
        phone = fields.phone("phone")
        with self.lock:
            found = [
                customer for customer in self._at(self.customers, location_id)
                if (email is None or customer["email"] == email) and (phone is None or customer["phone"] == phone)
            ]
            return paginate(found, self._position, fields, self._customer_view)

    def get_customer(self, location_id: str, customer_id: str) -> Obj:
        with self.lock:
            return self._customer_view(self._owned(self.customers, "customer", location_id, customer_id))

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
                voucher for voucher in self._at(self.vouchers, location_id)
                if (code is None or voucher["redeem_code"].upper() == code.upper())
                and (customer_id is None or voucher["customer_id"] == customer_id)
                and (status is None or voucher["status"] == status)
            ]
            return paginate(found, self._position, fields)

    def analytics(self, location_id: str, query: Mapping[str, str]) -> Obj:
        """Counts of the location's history in [from, to]; a bare date covers its whole (UTC) day."""
        fields = Fields(query, query=True)
        start = period_bound(fields, "from", end=False)
        end = period_bound(fields, "to", end=True)
        if start is not None and end is not None and start > end:
            fields.fail("to", "must not be before from.")
        fields.done()
        low = "" if start is None else iso(start)
        high = "~" if end is None else iso(end)
        counts = dict.fromkeys(_ANALYTICS.values(), 0)
        with self.lock:
            for record in self.history:
                entry = record.entry
                kind = _ANALYTICS.get(entry["type"])
                if record.location_id == location_id and kind is not None and low <= entry["at"] <= high:
                    counts[kind] += entry["data"]["stamp"]["count"] if kind == "stamps_added" else 1
        return counts

    def list_webhooks(self, location_id: str, query: Mapping[str, str]) -> Obj:
        with self.lock:
            return paginate(
                self._at(self.webhook_endpoints, location_id), self._position, Fields(query, query=True),
                lambda endpoint: {k: copy.deepcopy(v) for k, v in endpoint.items() if k != "secret"},
            )

    # ----- writes ------------------------------------------------------------------------------

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
                location_id, Event.STAMP_ADDED, customer, card,
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
            template = None
            if template_id is not None:
                template = self.voucher_templates.get(template_id)
                if template is None or self.owner[template_id] != location_id:
                    fields.fail("template_id", "is not a voucher template of this location.")
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
                location_id, VoucherType.VOUCHER, customer, card,
                title=title or (template["title"] if template else ""),
                template=template,
                description=description if description is not None or template is None else template["description"],
                redeem_code=redeem_code,
                formats=formats,
                expires_at=iso(expires_at) if expires_at else None,
            )
            self._emit(location_id, Event.VOUCHER_ISSUED, customer, card or self._latest_card(customer),
                       voucher=voucher)
            return copy.deepcopy(voucher)

    def redeem_voucher(self, location_id: str, voucher_id: str, body: Obj) -> Obj:
        fields = Fields(body)
        comment = fields.text("comment", max_length=500)
        with self.lock:
            voucher = self._owned(self.vouchers, "voucher", location_id, voucher_id)
            fields.done()
            if voucher["status"] == VoucherStatus.REDEEMED:
                raise ApiError.conflict("already_redeemed", f"This voucher was redeemed at {voucher['redeemed_at']}.")
            if voucher["status"] == VoucherStatus.EXPIRED or _past(voucher["expires_at"]):
                raise ApiError.conflict("voucher_expired", "This voucher has expired.")
            if voucher["status"] == VoucherStatus.CANCELLED:
                raise ApiError.conflict("conflict", "This voucher was cancelled.")
            voucher.update(status=VoucherStatus.REDEEMED, redeemed_at=iso(utc_now()), redeemed_via=RedeemedVia.API)
            customer, card = self._voucher_subject(voucher)
            self._emit(location_id, Event.VOUCHER_REDEEMED, customer, card, voucher=voucher,
                       note={"comment": comment} if comment else None)
            return copy.deepcopy(voucher)

    def create_webhook(self, location_id: str, body: Obj) -> Obj:
        """The only answer that shows the signing secret."""
        fields = Fields(body)
        url = fields.text("url", required=True, max_length=2000)
        if url is not None and not _is_http_url(url):
            fields.fail("url", "must be an http or https URL.")
        events = fields.subset("events", (*EVENT_NAMES, "*"))
        if events is None and "events" not in fields.errors:
            fields.fail("events", "is required: a list of event names, or [\"*\"].")
        if events is not None and "*" in events and len(events) > 1:
            fields.fail("events", "'*' stands alone: it already means every event.")
        fields.done()
        endpoint = {
            "id": new_id("wh"),
            "url": url,
            "events": events,
            "secret": "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode(),
            "created_at": iso(utc_now()),
        }
        with self.lock:
            self._put(self.webhook_endpoints, location_id, endpoint)
            return copy.deepcopy(endpoint)

    def delete_webhook(self, location_id: str, endpoint_id: str) -> None:
        with self.lock:
            self._owned(self.webhook_endpoints, "webhook endpoint", location_id, endpoint_id)
            del self.webhook_endpoints[endpoint_id]

    # ----- control: make an event happen -------------------------------------------------------

    def emit_control(self, body: Obj) -> Obj:
        """Makes one event happen at a location as the real service would, changing state where it applies.

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
            assert location_id is not None and name is not None
            event = Event(name)
            given = None if voucher_id is None else self._owned(self.vouchers, "voucher", location_id, voucher_id)
            customer, card = self._subject(location_id, customer_id, card_id, given)
            voucher: Obj | None = None
            card_fields: Obj = {}
            extra: Obj = {}
            if event is Event.CARD_SAVED:
                card["status"] = CardStatus.SAVED
            elif event is Event.STAMP_ADDED:
                card_fields = {"stamps": card["stamps"], "stamps_required": card["stamps_required"]}
                extra = {"stamp": {"count": 1, "comment": None}}
            elif event is Event.REWARD_ISSUED:
                reward_title = self.card_templates[card["template_id"]]["reward_title"]
                voucher = given or self._new_voucher(location_id, VoucherType.REWARD, customer, card, title=reward_title)
            elif event is Event.VOUCHER_ISSUED:
                voucher = given or self._new_voucher(location_id, VoucherType.VOUCHER, customer, card,
                                                     title="Sandbox voucher")
            elif event in (Event.VOUCHER_REDEEMED, Event.VOUCHER_EXPIRED):
                voucher = (given or self._latest_open_voucher(customer)
                           or self._new_voucher(location_id, VoucherType.VOUCHER, customer, card,
                                                title="Sandbox voucher"))
                if event is Event.VOUCHER_EXPIRED:
                    voucher["status"] = VoucherStatus.EXPIRED
                elif voucher["status"] != VoucherStatus.REDEEMED:
                    voucher.update(status=VoucherStatus.REDEEMED, redeemed_at=iso(utc_now()),
                                   redeemed_via=RedeemedVia.STAFF_SCANNER)
            elif event is Event.LOTTERY_PLAYED:
                prize = None
                if result == "win":
                    voucher = self._new_voucher(location_id, VoucherType.LOTTERY_PRIZE, customer, card,
                                                title="Lottery prize: a free coffee")
                    prize = {"title": voucher["title"], "voucher_id": voucher["id"]}
                extra = {"lottery": {"id": new_id("lot"), "result": result, "prize": prize}}
            elif event is Event.BIRTHDAY_REACHED:
                voucher = self._new_voucher(location_id, VoucherType.BIRTHDAY, customer, card,
                                            title="Happy birthday: a treat on us",
                                            expires_at=iso(utc_now() + timedelta(days=30)))
            elif event is Event.INACTIVITY_TRIGGER:
                extra = {"inactivity": {"days": days}}
            elif event is Event.CAMPAIGN_SENT:
                extra = {"campaign": {"id": new_id("cmp"), "name": campaign_name, "channel": channel}}
            payload, message_ids = self._emit(location_id, event, customer, card, voucher=voucher,
                                              card_fields=card_fields, extra=extra)
            return {"event": payload, "message_ids": message_ids}

    # ----- helpers (called with the lock held) -------------------------------------------------

    def _track(self, obj_id: str, location_id: str) -> None:
        self.owner[obj_id] = location_id
        self._order[obj_id] = len(self._order)

    def _put(self, collection: dict[str, Obj], location_id: str, obj: Obj) -> Obj:
        collection[obj["id"]] = obj
        self._track(obj["id"], location_id)
        return obj

    def _at(self, collection: dict[str, Obj], location_id: str) -> list[Obj]:
        return [obj for obj_id, obj in collection.items() if self.owner[obj_id] == location_id]

    def _owned(self, collection: dict[str, Obj], what: str, location_id: str, obj_id: str) -> Obj:
        obj = collection.get(obj_id)
        if obj is None:
            raise ApiError.not_found(what)
        if self.owner[obj_id] != location_id:
            raise ApiError.forbidden(what)
        return obj

    def _newest(self, objs: Iterable[Obj]) -> Obj | None:
        return max(objs, key=self._position, default=None)

    def _position(self, obj: Obj) -> int:
        return self._order[obj["id"]]

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

    def _latest_open_voucher(self, customer: Obj) -> Obj | None:
        return self._newest(
            voucher for voucher in self.vouchers.values()
            if voucher["customer_id"] == customer["id"] and voucher["status"] == VoucherStatus.ISSUED
            and not _past(voucher["expires_at"])
        )

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

    def _card_template(self, location_id: str, template_id: str | None, fields: Fields) -> Obj | None:
        """The template asked for, or the location's first one."""
        if template_id is None:
            templates = self._at(self.card_templates, location_id)
            if not templates:
                fields.fail("template_id", "is required: this location has no default card template.")
                return None
            return min(templates, key=self._position)
        template = self.card_templates.get(template_id)
        if template is None or self.owner[template_id] != location_id:
            fields.fail("template_id", "is not a card template of this location.")
            return None
        return template

    def _subject(self, location_id: str, customer_id: str | None, card_id: str | None,
                 voucher: Obj | None) -> tuple[Obj, Obj]:
        """The customer and card a control event is about."""
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
        customer = self._new_customer(location_id, f"demo.{secrets.token_hex(3)}@demo.example", None,
                                      "Demo Customer", None, "en")
        template = self._card_template(location_id, None, Fields({}))
        if template is None:
            raise ApiError.validation({"location_id": "has no card template to issue a demo card from."})
        return customer, self._new_card(location_id, customer, template)

    def _voucher_subject(self, voucher: Obj) -> tuple[Obj, Obj]:
        customer = self.customers[voucher["customer_id"]]
        card = self.cards[voucher["card_id"]] if voucher["card_id"] else self._latest_card(customer)
        return customer, card

    def _new_customer(self, location_id: str, email: str | None, phone: str | None, name: str | None,
                      birthday: str | None, language: str) -> Obj:
        return self._put(self.customers, location_id, {
            "id": new_id("c"), "email": email, "phone": phone, "name": name, "birthday": birthday,
            "language": language, "created_at": iso(utc_now()),
        })

    def _new_card(self, location_id: str, customer: Obj, template: Obj) -> Obj:
        pass_id = new_id("wp")
        return self._put(self.cards, location_id, {
            "id": new_id("card"), "customer_id": customer["id"], "template_id": template["id"],
            "wallet_pass_id": pass_id, "wallet_url": wallet_url(self.base_url, pass_id),
            "status": CardStatus.ISSUED, "stamps": 0, "stamps_required": template["stamps_required"],
            "goal_index": 0, "total_stamps": 0, "last_stamp_at": None, "created_at": iso(utc_now()),
        })

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
        return self._put(self.vouchers, location_id, {
            "id": new_id("v"), "type": kind, "customer_id": customer["id"],
            "card_id": None if card is None else card["id"],
            "template_id": None if template is None else template["id"],
            "title": title, "description": description, "redeem_code": code,
            "redeem_code_formats": formats or list(REDEEM_CODE_FORMATS), "status": VoucherStatus.ISSUED,
            "issued_at": iso(now), "expires_at": expires_at, "redeemed_at": None, "redeemed_via": None,
        })

    def _redeem_code_taken(self, location_id: str, code: str) -> bool:
        return any(voucher["redeem_code"].upper() == code.upper() for voucher in self._at(self.vouchers, location_id))

    def _emit(
        self,
        location_id: str,
        event: Event,
        customer: Obj,
        card: Obj,
        *,
        voucher: Obj | None = None,
        card_fields: Obj | None = None,
        extra: Obj | None = None,
        note: Obj | None = None,
    ) -> tuple[Obj, list[str]]:
        """Records the event in the card's history and queues one delivery per subscribed endpoint."""
        location = self.locations[location_id]
        payload: Obj = {
            "event": event.value,
            "timestamp": iso(utc_now()),
            "business_id": location["business_id"],
            "location_id": location_id,
            "customer": {"id": customer["id"], "wallet_pass_id": card["wallet_pass_id"],
                         "language": customer["language"]},
            "card": {"id": card["id"], "goal_index": card["goal_index"], **(card_fields or {})},
        }
        if voucher is not None:
            payload["voucher"] = {field: voucher[field] for field in _VOUCHER_EVENT_FIELDS}
        payload.update(extra or {})
        body = json.dumps(payload)
        payload = json.loads(body)  # detached from live objects, enums as plain strings
        entry = {
            "id": new_id("evt"),
            "type": event.value,
            "at": payload["timestamp"],
            "data": {**{k: v for k, v in json.loads(body).items() if k not in _ENVELOPE}, **(note or {})},
        }
        self._track(entry["id"], location_id)
        self.history.append(HistoryRecord(location_id, card["id"], entry))
        message_ids = []
        for endpoint_id, endpoint in self.webhook_endpoints.items():
            if self.owner[endpoint_id] == location_id and ("*" in endpoint["events"] or event in endpoint["events"]):
                message_id = new_id("msg")
                message_ids.append(message_id)
                self._deliver(Delivery(message_id, endpoint_id, endpoint["url"], endpoint["secret"], event.value, body))
        return payload, message_ids


def _past(moment: str | None) -> bool:
    return moment is not None and moment <= iso(utc_now())


def _is_http_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)
