"""The route table: `/v1` is the contract (API key required), `/_sandbox` controls the emulator, `/wallet` is a card link."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import control_index
from .errors import ApiError

if TYPE_CHECKING:
    from .app import Sandbox

Response = tuple[int, Any]


@dataclass(frozen=True)
class Request:
    """What a route needs from one HTTP request, already authenticated and parsed."""

    params: dict[str, str]
    query: dict[str, str]
    body: dict[str, Any]
    key: dict[str, Any] | None

    @property
    def api_key(self) -> dict[str, Any]:
        """The caller's key record; every `/v1` route has one."""
        assert self.key is not None
        return self.key

    @property
    def location_id(self) -> str:
        """The tenant: always the key's location, never anything the caller sends."""
        return str(self.api_key["location_id"])


Handler = Callable[["Sandbox", Request], Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler

    @property
    def authenticated(self) -> bool:
        return self.pattern.pattern.startswith("^/v1/")


def _route(method: str, template: str, handler: Handler) -> Route:
    return Route(method, re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "$"), handler)


def _delete_webhook(sb: Sandbox, request: Request) -> Response:
    sb.state.delete_webhook(request.location_id, request.params["id"])
    return 204, None


def _rate(sb: Sandbox, request: Request) -> Response:
    """Each key's use of the rate limit (requests, peak per second, 429s); keys shown by prefix only."""
    usage = []
    for key in sb.state.keys():
        usage.append(
            {
                "key_prefix": key["key"][:12] + "…",
                "location_id": key["location_id"],
                "staff_login": key["staff_login"],
                **sb.limiter.usage(key["key"]),
            }
        )
    return 200, {"data": usage}


def _reset(sb: Sandbox, request: Request) -> Response:
    sb.reset()
    return 200, {"ok": True}


ROUTES = (
    _route("GET", "/v1/me", lambda sb, r: (200, sb.state.me(r.api_key))),
    _route("GET", "/v1/templates/cards", lambda sb, r: (200, sb.state.list_card_templates(r.location_id, r.query))),
    _route("GET", "/v1/templates/vouchers", lambda sb, r: (200, sb.state.list_voucher_templates(r.location_id, r.query))),
    _route("POST", "/v1/cards", lambda sb, r: sb.state.issue_card(r.location_id, r.body)),
    _route("GET", "/v1/cards/{id}", lambda sb, r: (200, sb.state.get_card(r.location_id, r.params["id"]))),
    _route("GET", "/v1/cards/{id}/history", lambda sb, r: (200, sb.state.card_history(r.location_id, r.params["id"], r.query))),
    _route("POST", "/v1/cards/{id}/stamps", lambda sb, r: (200, sb.state.add_stamps(r.location_id, r.params["id"], r.body))),
    _route("GET", "/v1/customers", lambda sb, r: (200, sb.state.find_customers(r.location_id, r.query))),
    _route("GET", "/v1/customers/{id}", lambda sb, r: (200, sb.state.get_customer(r.location_id, r.params["id"]))),
    _route("POST", "/v1/vouchers", lambda sb, r: (201, sb.state.issue_voucher(r.location_id, r.body))),
    _route("GET", "/v1/vouchers", lambda sb, r: (200, sb.state.find_vouchers(r.location_id, r.query))),
    _route("GET", "/v1/vouchers/{id}", lambda sb, r: (200, sb.state.get_voucher(r.location_id, r.params["id"]))),
    _route("POST", "/v1/vouchers/{id}/redeem", lambda sb, r: (200, sb.state.redeem_voucher(r.location_id, r.params["id"], r.body))),
    _route("GET", "/v1/analytics/summary", lambda sb, r: (200, sb.state.analytics(r.location_id, r.query))),
    _route("POST", "/v1/webhooks", lambda sb, r: (201, sb.state.create_webhook(r.location_id, r.body))),
    _route("GET", "/v1/webhooks", lambda sb, r: (200, sb.state.list_webhooks(r.location_id, r.query))),
    _route("DELETE", "/v1/webhooks/{id}", _delete_webhook),
    _route("GET", "/wallet/{id}", lambda sb, r: (200, sb.state.wallet(r.params["id"]))),
    _route("GET", "/_sandbox", lambda sb, r: (200, control_index.index())),
    _route("GET", "/_sandbox/health", lambda sb, r: (200, {"ok": True})),
    _route("GET", "/_sandbox/keys", lambda sb, r: (200, {"data": sb.state.keys()})),
    _route("GET", "/_sandbox/rate", _rate),
    _route("GET", "/_sandbox/webhook-attempts", lambda sb, r: (200, {"data": sb.state.attempts()})),
    _route("POST", "/_sandbox/emit", lambda sb, r: (200, sb.state.emit_control(r.body))),
    _route("POST", "/_sandbox/faults", lambda sb, r: (201, sb.faults.add(r.body))),
    _route("DELETE", "/_sandbox/faults", lambda sb, r: (200, {"cleared": sb.faults.clear()})),
    _route("POST", "/_sandbox/reset", _reset),
)


def match(method: str, path: str) -> tuple[Route, dict[str, str]]:
    for route in ROUTES:
        found = route.pattern.match(path)
        if found is not None and route.method == method:
            return route, found.groupdict()
    raise ApiError.not_found(f"route {method} {path}")
