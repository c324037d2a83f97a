"""Webhook endpoints a location subscribes (the signing secret shown once), and the log of delivery attempts."""

from __future__ import annotations

import base64
import copy
import secrets
from collections.abc import Mapping
from urllib.parse import urlsplit

from ..paging import paginate
from ..validation import Fields
from ..values import EVENT_NAMES, iso, new_id, utc_now
from .store import Obj, Store


class Endpoints(Store):
    def list_webhooks(self, location_id: str, query: Mapping[str, str]) -> Obj:
        with self.lock:
            return paginate(
                self._at(self.webhook_endpoints, location_id),
                self._position,
                Fields(query, query=True),
                lambda endpoint: {k: copy.deepcopy(v) for k, v in endpoint.items() if k != "secret"},
            )

    def create_webhook(self, location_id: str, body: Obj) -> Obj:
        """The only answer that shows the signing secret."""
        fields = Fields(body)
        url = fields.text("url", required=True, max_length=2000)
        if url is not None and not _is_http_url(url):
            fields.fail("url", "must be an http or https URL.")
        events = fields.subset("events", (*EVENT_NAMES, "*"))
        if events is None and "events" not in fields.errors:
            fields.fail("events", 'is required: a list of event names, or ["*"].')
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

    def record_attempt(self, attempt: Obj) -> None:
        with self.lock:
            self.webhook_attempts.append(attempt)

    def attempts(self) -> list[Obj]:
        with self.lock:
            return copy.deepcopy(self.webhook_attempts)


def _is_http_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)
