"""The 7stamp client's error table and retry rules, with httpx's MockTransport standing in for 7stamp."""

from __future__ import annotations

import httpx
import pytest

from chalicelib import errors
from chalicelib.sevenstamp import ERROR_BY_STATUS, SevenStampClient

KEY = "7loc_sc_unit_test_key_0123456789"


def client_for(handler, **kwargs) -> SevenStampClient:
    return SevenStampClient("http://7stamp.test", KEY, transport=httpx.MockTransport(handler), **kwargs)


@pytest.mark.parametrize(
    ("status", "expected"),
    [(400, errors.BadRequest), (401, errors.Unauthorized), (403, errors.Forbidden), (404, errors.NotFound),
     (409, errors.Conflict), (422, errors.ValidationFailed), (429, errors.RateLimited), (500, errors.UpstreamError),
     (503, errors.UpstreamError), (418, errors.UpstreamError)],
)
def test_every_status_maps_to_the_error_tree(status, expected):
    body = {"error": {"code": "already_redeemed" if status == 409 else "x", "message": "m", "fields": {"email": "bad"}}}
    c = client_for(lambda r: httpx.Response(status, json=body, headers={"Retry-After": "60"}), deadline=0.5, max_attempts=2)
    with pytest.raises(expected) as caught:
        c.get_card("card_1")
    assert KEY not in str(caught.value.message)
    if status == 409:
        assert caught.value.code == "already_redeemed"
    if status == 422:
        assert caught.value.fields == {"email": "bad"}


def test_the_table_covers_every_4xx_of_the_contract():
    assert set(ERROR_BY_STATUS) | {429} == {400, 401, 403, 404, 409, 422, 429}


def test_retries_5xx_then_succeeds_and_writes_keep_their_idempotency_key():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(500 if len(seen) < 3 else 200, json={"card": {"id": "card_1"}, "stamps_added": 1})

    result = client_for(handler).add_stamps("card_1", 1, None, idempotency_key="k-1")
    assert result["stamps_added"] == 1
    assert len(seen) == 3
    assert {r.headers["Idempotency-Key"] for r in seen} == {"k-1"}
    assert seen[0].headers["Authorization"] == f"Bearer {KEY}"


def test_429_is_retried_after_retry_after_when_the_deadline_allows():
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            return httpx.Response(429, json={"error": {"code": "rate_limited", "message": "slow"}}, headers={"Retry-After": "1"})
        return httpx.Response(200, json={"location_id": "loc_1"})

    assert client_for(handler, deadline=5).me()["location_id"] == "loc_1"
    assert len(calls) == 2


def test_429_beyond_the_deadline_is_passed_on_with_retry_after():
    c = client_for(lambda r: httpx.Response(429, json={}, headers={"Retry-After": "30"}), deadline=2)
    with pytest.raises(errors.RateLimited) as caught:
        c.me()
    assert caught.value.headers["Retry-After"] == "30"


def test_timeouts_become_504_and_refused_connections_502():
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(errors.UpstreamTimeout):
        client_for(slow, deadline=0.5).me()
    with pytest.raises(errors.UpstreamError):
        client_for(refused, deadline=0.5).me()


def test_ids_cannot_change_the_path():
    paths = []
    client_for(lambda r: paths.append(r.url.raw_path) or httpx.Response(200, json={})).get_card("../../v1/webhooks")
    assert paths == [b"/v1/cards/..%2F..%2Fv1%2Fwebhooks"]


def test_non_json_answer_is_502():
    with pytest.raises(errors.UpstreamError):
        client_for(lambda r: httpx.Response(200, text="<html>")).me()
