"""Where the sandbox keeps its objects: the seeded and created collections, which location owns each, and in what order.

Objects are plain dicts shaped as section 2 of the contract. Which location owns an object
is kept beside them (`owner`), and creation order in `_order`, which gives lists their
newest-first order and their cursors. Every resource class of the state builds on this one.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from ..errors import ApiError
from ..seed import build_seed
from ..values import iso, utc_now, wallet_url
from ..webhooks import WebhookDelivery

Obj = dict[str, Any]
Response = tuple[int, Any]
_SAVED = (
    "businesses",
    "locations",
    "api_keys",
    "card_templates",
    "voucher_templates",
    "customers",
    "cards",
    "vouchers",
    "webhook_endpoints",
    "webhook_attempts",
    "owner",
)


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


class Store:
    """The collections and the lock; public methods of the resource classes take the lock, helpers expect it held."""

    def __init__(
        self,
        deliver: Callable[[WebhookDelivery], None],
        *,
        base_url: str = "http://127.0.0.1",
    ) -> None:
        self.lock = threading.RLock()
        self._deliver = deliver
        self.base_url = base_url
        self.reset()

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

    def saved(self) -> Obj:
        """Every object, owner and order as plain JSON, for the local stack's data folder (faults and rate are not kept)."""
        with self.lock:
            return copy.deepcopy(
                {
                    **{name: getattr(self, name) for name in _SAVED},
                    "history": [asdict(h) for h in self.history],
                    "idempotency": [[*key, asdict(record)] for key, record in self._idempotency.items()],
                    "order": self._order,
                }
            )

    def load_saved(self, saved: Obj) -> None:
        """Replace every object by what ``saved`` returned earlier."""
        with self.lock:
            for name in _SAVED:
                setattr(self, name, copy.deepcopy(saved[name]))
            self.history = [HistoryRecord(**h) for h in saved["history"]]
            self._idempotency = {(a, b): IdempotencyRecord(**r) for a, b, r in saved["idempotency"]}
            self._order = dict(saved["order"])

    def set_base_url(self, base_url: str) -> None:
        """Wallet links point at the running server, whose port is known only once it listens."""
        with self.lock:
            self.base_url = base_url
            for card in self.cards.values():
                card["wallet_url"] = wallet_url(base_url, card["wallet_pass_id"])

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


def past(moment: str | None) -> bool:
    """True for a contract time that is now or earlier (None: never)."""
    return moment is not None and moment <= iso(utc_now())
