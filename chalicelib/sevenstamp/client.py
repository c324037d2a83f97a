"""The one module that talks to 7stamp's REST API (contract: shared/7stamp-api.md).

One ``httpx.Client`` per process and base URL (``http_client``) holds the connection pool
and the TLS context, which cost milliseconds of CPU to build; a ``SevenStampClient`` is a
light view of it that sends one location's key with each request, so building one per
call is free.

Every call gets a deadline (connect 3 s, the whole call with its retries 10 s by
default). ``retry_delay`` decides alone what is retried and after how long: 429s
(honouring ``Retry-After``), 5xx answers and connection errors, with backoff, while the
deadline allows; writes are safe to retry because each carries an ``Idempotency-Key``.
Every 7stamp error and every httpx failure is translated here, once, into the
connector's error tree (``ERROR_BY_STATUS``).
"""

from __future__ import annotations

import json
import random
import time
import uuid
from typing import Any
from urllib.parse import quote

import httpx

from chalicelib import observability, retry_after
from chalicelib.errors import (
    BadRequest,
    Conflict,
    ConnectorError,
    NotFound,
    RateLimited,
    Unauthorized,
    UpstreamError,
    UpstreamTimeout,
    ValidationFailed,
)

CONNECT_TIMEOUT = 3.0
CALL_DEADLINE = 10.0
MAX_ATTEMPTS = 4
MAX_RETRY_AFTER = 3600  # seconds: a longer wait asked by a 429 is read as this
BACKOFF = (0.2, 0.5, 1.0)
JITTER = 0.2
MIN_ATTEMPT_TIME = 0.05  # an attempt with less time left than this is not worth starting
POOL_LIMITS = httpx.Limits(max_connections=64, max_keepalive_connections=32)

# 7stamp's status -> the connector's error; 429 and 5xx are handled apart (retries). 7stamp's 403 (an
# object of another location) is the same 404 as an unknown id, with the same words: an id of another
# location is not told apart from one that does not exist (tenant isolation, issue 23).
ERROR_BY_STATUS: dict[int, type[ConnectorError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: NotFound,
    404: NotFound,
    409: Conflict,
    422: ValidationFailed,
}

_MESSAGES: dict[int, str] = {
    400: "7stamp could not read the request",
    401: "The 7stamp API key is unknown, malformed or revoked",
    403: "7stamp has no such object",
    404: "7stamp has no such object",
    409: "7stamp refused the change because of the object's state",
    422: "7stamp rejected some fields",
}


CallOutcome = httpx.Response | httpx.HTTPError
"""What one attempt brought back: 7stamp's answer, or the transport failure (timeout, refused or broken connection)."""


def retry_delay(outcome: CallOutcome, attempt: int, *, max_attempts: int, remaining: float) -> float | None:
    """Seconds to wait before trying again after failed attempt number ``attempt`` (0 first), or None to give up now.

    A 429 waits its ``Retry-After`` (1 s when absent or unreadable); 5xx answers and
    transport failures back off on BACKOFF with ±JITTER; every other answer is final.
    Nothing waits when no attempt is left or when the wait would leave the next attempt
    less than MIN_ATTEMPT_TIME of the ``remaining`` seconds.
    """
    if attempt + 1 >= max_attempts:
        return None
    if isinstance(outcome, httpx.Response) and outcome.status_code == 429:
        wait = float(_retry_after(outcome))
    elif isinstance(outcome, httpx.HTTPError) or outcome.status_code >= 500:
        wait = BACKOFF[min(attempt, len(BACKOFF) - 1)] * random.uniform(1 - JITTER, 1 + JITTER)
    else:
        return None
    return wait if remaining - wait > MIN_ATTEMPT_TIME else None


def http_client(base_url: str, transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """The pool every ``SevenStampClient`` of a process shares (thread-safe); built once, it carries no key."""
    return httpx.Client(
        base_url=base_url.rstrip("/"),
        headers={"Accept": "application/json"},
        transport=transport,
        limits=POOL_LIMITS,
        follow_redirects=False,
    )


def _retry_after(response: httpx.Response) -> int:
    """7stamp's Retry-After in whole seconds, 1 when absent or unreadable (read as a subscriber's is: ``retry_after``)."""
    return max(1, retry_after.seconds(response.headers.get("Retry-After"), time.time(), MAX_RETRY_AFTER) or 1)


def _error_of(outcome: CallOutcome) -> ConnectorError:
    """The connector's error for a failed attempt: a transport failure by its kind, else 7stamp's answer translated."""
    if isinstance(outcome, httpx.TimeoutException):
        return UpstreamTimeout("7stamp did not answer in time")
    if isinstance(outcome, httpx.HTTPError):
        return UpstreamError("7stamp could not be reached")
    return _error_from(outcome)


def _error_from(response: httpx.Response) -> ConnectorError:
    """Translate one 7stamp error answer; the key never appears in the message."""
    status = response.status_code
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    code = error.get("code") if isinstance(error.get("code"), str) else None
    message = error.get("message") if isinstance(error.get("message"), str) else None
    if status == 429:
        return RateLimited("7stamp is throttling requests; try again later", retry_after=_retry_after(response))
    kind = ERROR_BY_STATUS.get(status)
    if kind is None:
        return UpstreamError(f"7stamp answered {status}")
    if kind is NotFound:
        return NotFound(_MESSAGES[status])  # 7stamp's own words would tell "another location's" from "unknown"
    fields = error.get("fields") if status == 422 and isinstance(error.get("fields"), dict) else None
    if fields and all(str(name).endswith("_id") for name in fields):
        # an id 7stamp does not know (a template of another kind, of another location): a missing object, not a malformed field
        return NotFound(message or _MESSAGES[404], code=None, fields=fields)
    return kind(message or _MESSAGES[status], code=code if status in (409, 422) else None, fields=fields)


class SevenStampClient:
    """7stamp's API for one location's key, over a shared ``http_client``; sync, as Chalice handlers are."""

    def __init__(self, http: httpx.Client, api_key: str, *, deadline: float = CALL_DEADLINE, max_attempts: int = MAX_ATTEMPTS) -> None:
        self._http = http
        self._auth = {"Authorization": f"Bearer {api_key}"}
        self._deadline = deadline
        self._max_attempts = max_attempts

    # -- transport ---------------------------------------------------------------------
    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._decode(self._send(method, path, **kwargs))

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> httpx.Response:
        """7stamp's first answer below 300; else the last failure, translated, once ``retry_delay`` stops or time runs out."""
        headers = dict(self._auth)
        if method == "POST":
            headers["Idempotency-Key"] = idempotency_key or f"conn-{uuid.uuid4().hex}"
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        end = time.monotonic() + self._deadline
        error: ConnectorError = UpstreamError("7stamp could not be reached")
        for attempt in range(self._max_attempts):
            remaining = end - time.monotonic()
            if remaining <= MIN_ATTEMPT_TIME:
                break
            outcome = self._attempt(method, path, clean, body, headers, remaining)
            if isinstance(outcome, httpx.Response) and outcome.status_code < 300:
                return outcome
            error = _error_of(outcome)
            wait = retry_delay(outcome, attempt, max_attempts=self._max_attempts, remaining=end - time.monotonic())
            if wait is None:
                break
            time.sleep(wait)
        raise error

    def _attempt(
        self, method: str, path: str, params: dict[str, Any], body: dict[str, Any] | None, headers: dict[str, str], remaining: float
    ) -> CallOutcome:
        """One request within the ``remaining`` seconds; a transport failure is returned, not raised, for the policy to weigh."""
        timeout = httpx.Timeout(remaining, connect=min(CONNECT_TIMEOUT, remaining))
        try:
            response = self._http.request(method, path, params=params, json=body, headers=headers, timeout=timeout)
        except httpx.HTTPError as exc:
            return exc
        if response.status_code == 429:
            observability.metric("SevenstampThrottled")
        return response

    @staticmethod
    def _decode(response: httpx.Response) -> Any:
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except json.JSONDecodeError:
            raise UpstreamError("7stamp answered something that is not JSON") from None

    def _pages(self, path: str, params: dict[str, Any], limit: int) -> list[dict[str, Any]]:
        """Up to ``limit`` items of a cursor-paginated list, newest first."""
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        for _ in range(50):
            page = self._request("GET", path, params={**params, "limit": min(100, limit), "cursor": cursor})
            items.extend(page.get("data") or [])
            cursor = page.get("next_cursor")
            if not cursor or len(items) >= limit:
                break
        return items[:limit]

    # -- the calls of the contract ---------------------------------------------------------
    def me(self) -> dict[str, Any]:
        return self._request("GET", "/v1/me")

    def card_templates(self) -> list[dict[str, Any]]:
        return self._pages("/v1/templates/cards", {}, 100)

    def voucher_templates(self) -> list[dict[str, Any]]:
        return self._pages("/v1/templates/vouchers", {}, 100)

    def issue_card(self, body: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """``{card, customer, created}``: 201 means a new card, 200 the existing one."""
        response = self._send("POST", "/v1/cards", body=body, idempotency_key=idempotency_key)
        return {**self._decode(response), "created": response.status_code == 201}

    def get_card(self, card_id: str) -> dict[str, Any]:
        return self._request("GET", f"/v1/cards/{_seg(card_id)}")

    def card_history(self, card_id: str, limit: int = 20) -> list[dict[str, Any]]:
        return self._pages(f"/v1/cards/{_seg(card_id)}/history", {}, limit)

    def find_customers(self, *, email: str | None = None, phone: str | None = None) -> list[dict[str, Any]]:
        return self._pages("/v1/customers", {"email": email, "phone": phone}, 100)

    def get_customer(self, customer_id: str) -> dict[str, Any]:
        return self._request("GET", f"/v1/customers/{_seg(customer_id)}")

    def add_stamps(self, card_id: str, count: int, comment: str | None, idempotency_key: str) -> dict[str, Any]:
        body: dict[str, Any] = {"count": count}
        if comment:
            body["comment"] = comment
        return self._request("POST", f"/v1/cards/{_seg(card_id)}/stamps", body=body, idempotency_key=idempotency_key)

    def create_voucher(self, body: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        return self._request("POST", "/v1/vouchers", body=body, idempotency_key=idempotency_key)

    def get_voucher(self, voucher_id: str) -> dict[str, Any]:
        return self._request("GET", f"/v1/vouchers/{_seg(voucher_id)}")

    def find_vouchers(self, **filters: str | None) -> list[dict[str, Any]]:
        return self._pages("/v1/vouchers", dict(filters), 100)

    def redeem_voucher(self, voucher_id: str, idempotency_key: str, comment: str | None = None) -> dict[str, Any]:
        body = {"comment": comment} if comment else {}
        return self._request("POST", f"/v1/vouchers/{_seg(voucher_id)}/redeem", body=body, idempotency_key=idempotency_key)

    def analytics_summary(self, date_from: str, date_to: str) -> dict[str, Any]:
        return self._request("GET", "/v1/analytics/summary", params={"from": date_from, "to": date_to})

    def create_webhook(self, url: str, events: list[str], idempotency_key: str) -> dict[str, Any]:
        return self._request("POST", "/v1/webhooks", body={"url": url, "events": events}, idempotency_key=idempotency_key)

    def list_webhooks(self) -> list[dict[str, Any]]:
        return self._pages("/v1/webhooks", {}, 100)

    def delete_webhook(self, webhook_id: str) -> None:
        self._request("DELETE", f"/v1/webhooks/{_seg(webhook_id)}")


def _seg(value: str) -> str:
    """An id as one path segment: nothing a caller sends can change the path."""
    return quote(value, safe="")
