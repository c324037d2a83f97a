"""7stamp's webhook deliveries for one location (no API key: the token and the signature authenticate)."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]

from chalicelib.api.http import MODELS, Call, endpoint
from chalicelib.pipeline import intake

bp = Blueprint(__name__)


@endpoint(
    bp,
    "/inbound/7stamp/{token}",
    ["POST"],
    summary="7stamp's signed webhook deliveries",
    authenticated=False,
    body="chalicelib.contract.event_record:InboundEvent",
    view_reads_body=True,
    responses={200: MODELS + "Received"},
    errors=(401, 403, 404),
)
def receive(call: Call) -> Any:
    event_id, new = intake.receive(call.services, call.params["token"], call.raw_body, call.headers)
    return {"id": event_id, "duplicate": not new}
