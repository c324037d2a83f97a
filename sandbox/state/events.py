"""The event history: each event recorded once, delivered to the subscribed endpoints, and read back per card or counted."""

from __future__ import annotations

import json
from collections.abc import Mapping

from ..paging import paginate
from ..validation import Fields, period_bound
from ..values import Event, iso, new_id, utc_now
from ..webhooks import WebhookDelivery
from .store import HistoryRecord, Obj, Store

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


class Events(Store):
    def card_history(self, location_id: str, card_id: str, query: Mapping[str, str]) -> Obj:
        with self.lock:
            self._owned(self.cards, "card", location_id, card_id)
            entries = [record.entry for record in self.history if record.card_id == card_id]
            return paginate(entries, self._position, Fields(query, query=True))

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
            "customer": {"id": customer["id"], "wallet_pass_id": card["wallet_pass_id"], "language": customer["language"]},
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
                self._deliver(WebhookDelivery(message_id, endpoint_id, endpoint["url"], endpoint["secret"], event.value, body))
        return payload, message_ids
