"""The contract's vocabulary (event names, statuses) and how ids, codes and times are written."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from enum import StrEnum


class Event(StrEnum):
    """The 13 webhook event names, in the English spelling the contract calls canonical."""

    CARD_ISSUED = "card_issued"
    CARD_SAVED = "card_saved"
    CARD_OPENED = "card_opened"
    STAMP_ADDED = "stamp_added"
    GOAL_REACHED = "goal_reached"
    REWARD_ISSUED = "reward_issued"
    VOUCHER_ISSUED = "voucher_issued"
    VOUCHER_REDEEMED = "voucher_redeemed"
    VOUCHER_EXPIRED = "voucher_expired"
    LOTTERY_PLAYED = "lottery_played"
    BIRTHDAY_REACHED = "birthday_reached"
    INACTIVITY_TRIGGER = "inactivity_trigger"
    CAMPAIGN_SENT = "campaign_sent"


class CardStatus(StrEnum):
    ISSUED = "issued"
    SAVED = "saved"
    REMOVED = "removed"


class VoucherType(StrEnum):
    VOUCHER = "voucher"
    REWARD = "reward"
    BIRTHDAY = "birthday"
    LOTTERY_PRIZE = "lottery_prize"


class VoucherStatus(StrEnum):
    ISSUED = "issued"
    REDEEMED = "redeemed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class RedeemedVia(StrEnum):
    STAFF_SCANNER = "staff_scanner"
    API = "api"
    POS = "pos"


EVENT_NAMES = tuple(event.value for event in Event)
REDEEM_CODE_FORMATS = ("text", "qr", "barcode")
CAMPAIGN_CHANNELS = ("push", "email", "messengers")
LOTTERY_RESULTS = ("win", "lose")

# A-Z and 2-9 without the look-alikes 0/O, 1/I/L, so a code read aloud or typed at a till survives.
_REDEEM_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def utc_now() -> datetime:
    """Now, at the contract's second precision."""
    return datetime.now(UTC).replace(microsecond=0)


def iso(moment: datetime) -> str:
    """RFC 3339 UTC with `Z`, e.g. 2026-05-11T12:34:56Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime | None:
    """An RFC 3339 timestamp with a zone, in UTC at second precision; None when it is not one."""
    if "T" not in text.upper():
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(UTC).replace(microsecond=0)


def new_id(prefix: str) -> str:
    """A random opaque id with the contract's type prefix."""
    return f"{prefix}_{secrets.token_hex(6)}"


def new_redeem_code() -> str:
    return "".join(secrets.choice(_REDEEM_ALPHABET) for _ in range(8))


def wallet_url(base_url: str, wallet_pass_id: str) -> str:
    return f"{base_url}/wallet/{wallet_pass_id}"
