"""The in-memory 7stamp: every object and business rule, behind one re-entrant lock.

`State` stays one object (one lock, one set of collections that tests and benchmarks read),
assembled from one class per resource, each in its own module on top of `store.Store`:
access (keys, idempotency), templates, customers, vouchers, cards, endpoints (webhooks),
events (history, deliveries, analytics) and control (`/_sandbox/emit`). Callers get deep
copies, never live objects.
"""

from __future__ import annotations

from .access import Access
from .control import Control
from .endpoints import Endpoints
from .store import HistoryRecord

__all__ = ["HistoryRecord", "State"]


class State(Control, Endpoints, Access):
    """The whole emulated service; every public method takes the lock, so handler threads may call freely."""
