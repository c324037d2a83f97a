"""The 7stamp client's error table, retry policy and shared pool, with httpx's MockTransport standing in for 7stamp."""

from __future__ import annotations

import threading

import httpx
import pytest

from chalicelib import errors
from chalicelib.sevenstamp.client import (
    BACKOFF,
    ERROR_BY_STATUS,
    JITTER,
    MIN_ATTEMPT_TIME,
    SevenStampClient,
    http_client,
    retry_delay,
)

KEY = "7loc_sc_unit_test_key_0123456789"


def client_for(handler, key: str = KEY, **kwargs) -> SevenStampClient:
    return SevenStampClient(http_client("http://7stamp.test", transport=httpx.MockTransport(handler)), key, **kwargs)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (400, errors.BadRequest),
        (401, errors.Unauthorized),
        (403, errors.NotFound),
        (404, errors.NotFound),
        (409, errors.Conflict),
        (422, errors.ValidationFailed),
        (429, errors.RateLimited),
        (500, errors.UpstreamError),
        (503, errors.UpstreamError),
        (418, errors.UpstreamError),
    ],
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


def test_another_locations_object_reads_exactly_as_an_unknown_one():
    def answer(status: int, message: str):
        return client_for(lambda r: httpx.Response(status, json={"error": {"code": "x", "message": message}}))

    with pytest.raises(errors.NotFound) as other:
        answer(403, "This card belongs to another location.").get_card("card_1")
    with pytest.raises(errors.NotFound) as unknown:
        answer(404, "No such card.").get_card("card_1")
    assert other.value.body() == unknown.value.body() and "location" not in other.value.message


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


# -- the retry policy, as a table (pure: answers and errors built in memory, no sockets) ---------------
def answer(status: int, retry_after: str | None = None) -> httpx.Response:
    return httpx.Response(status, headers={} if retry_after is None else {"Retry-After": retry_after})


FINAL_ANSWERS = [answer(status) for status in (301, 304, 400, 401, 403, 404, 409, 418, 422, 451)]
TRANSPORT_FAILURES = [
    httpx.ConnectError("refused"),
    httpx.ReadTimeout("slow"),
    httpx.ConnectTimeout("slow"),
    httpx.RemoteProtocolError("reset"),
]
RETRIED = [answer(status) for status in (500, 502, 503, 504, 599)] + TRANSPORT_FAILURES


@pytest.mark.parametrize("outcome", FINAL_ANSWERS, ids=lambda r: str(r.status_code))
def test_policy_never_retries_a_final_answer(outcome):
    assert retry_delay(outcome, 0, max_attempts=4, remaining=10.0) is None


@pytest.mark.parametrize("outcome", RETRIED, ids=repr)
@pytest.mark.parametrize("attempt", [0, 1, 2, 5])
def test_policy_backs_off_on_5xx_and_transport_failures(outcome, attempt):
    base = BACKOFF[min(attempt, len(BACKOFF) - 1)]
    wait = retry_delay(outcome, attempt, max_attempts=10, remaining=10.0)
    assert wait is not None
    assert base * (1 - JITTER) <= wait <= base * (1 + JITTER)


def test_policy_backs_off_alike_for_an_answer_and_a_failure(monkeypatch):
    monkeypatch.setattr("chalicelib.sevenstamp.client.random.uniform", lambda low, high: high)  # the jitter at its top
    waits = {retry_delay(outcome, 1, max_attempts=4, remaining=10.0) for outcome in RETRIED}
    assert waits == {BACKOFF[1] * (1 + JITTER)}


@pytest.mark.parametrize(
    ("retry_after", "wait"), [("3", 3.0), (None, 1.0), ("soon", 1.0), ("0", 1.0), ("2.5", 1.0)]
)  # "2.5" is no delay-seconds (RFC 9110): as unusable as "soon"
def test_policy_honours_retry_after_on_429_and_waits_a_second_without_a_usable_one(retry_after, wait):
    assert retry_delay(answer(429, retry_after), 0, max_attempts=4, remaining=10.0) == wait
    assert retry_delay(answer(429, retry_after), 2, max_attempts=4, remaining=10.0) == wait


@pytest.mark.parametrize("outcome", [answer(429, "1"), answer(500), httpx.ConnectError("refused")], ids=repr)
def test_policy_gives_up_on_the_last_attempt(outcome):
    assert retry_delay(outcome, 3, max_attempts=4, remaining=10.0) is None
    assert retry_delay(outcome, 0, max_attempts=1, remaining=10.0) is None


@pytest.mark.parametrize("outcome", [answer(429, "1"), answer(503), httpx.ReadTimeout("slow")], ids=repr)
def test_policy_gives_up_when_the_wait_would_pass_the_deadline(outcome):
    assert retry_delay(outcome, 0, max_attempts=4, remaining=0.1) is None


def test_policy_does_not_wait_for_an_attempt_too_short_to_be_worth_it():
    # a wait that leaves the next attempt less than MIN_ATTEMPT_TIME is not worth it either
    assert retry_delay(answer(429, "1"), 0, max_attempts=4, remaining=1.0 + MIN_ATTEMPT_TIME / 2) is None
    assert retry_delay(answer(429, "1"), 0, max_attempts=4, remaining=1.0 + MIN_ATTEMPT_TIME * 2) == 1.0


def test_a_4xx_is_sent_once():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(404, json={"error": {"code": "not_found", "message": "no card"}})

    with pytest.raises(errors.NotFound):
        client_for(handler).get_card("card_1")
    assert len(seen) == 1


def test_refused_connections_are_retried_until_7stamp_answers():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) < 3:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json={"location_id": "loc_1"})

    assert client_for(handler).me() == {"location_id": "loc_1"}
    assert len(seen) == 3


def test_the_last_failure_is_the_one_raised():
    statuses = iter([503, 404])
    with pytest.raises(errors.NotFound):
        client_for(lambda r: httpx.Response(next(statuses), json={"error": {"code": "not_found", "message": "no card"}})).get_card("c")
    timeouts = iter([httpx.Response(500, json={}), None])

    def then_slow(request: httpx.Request) -> httpx.Response:
        answer = next(timeouts)
        if answer is None:
            raise httpx.ReadTimeout("slow", request=request)
        return answer

    with pytest.raises(errors.UpstreamTimeout):
        client_for(then_slow, max_attempts=2).me()


def test_a_deadline_too_short_for_one_attempt_sends_nothing():
    seen: list[httpx.Request] = []
    with pytest.raises(errors.UpstreamError) as caught:
        client_for(lambda r: seen.append(r) or httpx.Response(200, json={}), deadline=MIN_ATTEMPT_TIME / 2).me()
    assert seen == [] and caught.value.message == "7stamp could not be reached"


def test_one_attempt_means_one_request_even_for_a_5xx():
    seen: list[httpx.Request] = []
    with pytest.raises(errors.UpstreamError):
        client_for(lambda r: seen.append(r) or httpx.Response(503, json={}), max_attempts=1).me()
    assert len(seen) == 1


# -- one pool per process, the key per request ------------------------------------------------
def test_views_over_one_pool_send_their_own_key_from_many_threads():
    seen: list[str] = []
    lock = threading.Lock()

    def handler(request: httpx.Request) -> httpx.Response:
        with lock:
            seen.append(request.headers["Authorization"])
        return httpx.Response(200, json={"location_id": request.headers["Authorization"][-2:]})

    pool = http_client("http://7stamp.test", transport=httpx.MockTransport(handler))
    keys = [f"7loc_sc_thread_key_000000000{i:02d}" for i in range(8)]
    answers: dict[str, str] = {}

    def call(key: str) -> None:
        for _ in range(5):
            answers[key] = SevenStampClient(pool, key).me()["location_id"]

    threads = [threading.Thread(target=call, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert answers == {key: key[-2:] for key in keys}
    assert sorted(seen) == sorted(f"Bearer {key}" for key in keys for _ in range(5))
    assert "Authorization" not in pool.headers


def test_the_services_build_the_pool_once():
    from chalicelib import container, settings

    services = container.build(settings.load({"SEVENSTAMP_API_URL": "http://7stamp.test"}))
    first, second = services.sevenstamp(KEY), services.sevenstamp("7loc_sc_another_key_0123456789", deadline=3.0, max_attempts=1)
    assert first._http is second._http is services.sevenstamp_http
    assert str(services.sevenstamp_http.base_url) == "http://7stamp.test"
