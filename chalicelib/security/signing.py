"""Standard Webhooks signing and verification, wrapped so that every verification failure is a 401."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime

from chalicelib.errors import Unauthorized


def new_secret() -> str:
    """A subscription secret: ``whsec_`` + base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def headers(secret: str, message_id: str, timestamp: int, body: str) -> dict[str, str]:
    """The three Standard Webhooks headers for one attempt."""
    from standardwebhooks.webhooks import Webhook

    signature = Webhook(secret).sign(message_id, datetime.fromtimestamp(timestamp, tz=UTC), body)
    return {"webhook-id": message_id, "webhook-timestamp": str(timestamp), "webhook-signature": signature}


def verify(secret: str, body: bytes, request_headers: Mapping[str, str]) -> None:
    """Check signature and timestamp (±5 minutes) on the raw body; any failure at all is Unauthorized."""
    from standardwebhooks.webhooks import Webhook

    try:
        Webhook(secret).verify(body, dict(request_headers), json_parse=False)
    except Exception:  # the library raises several types on malformed input; all mean "not signed by 7stamp"
        raise Unauthorized("The webhook signature or timestamp is not valid") from None
