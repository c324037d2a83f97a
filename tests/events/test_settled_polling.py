"""Settled polling (`?settled=1`, paged with `before`): what Make's watch modules read.

Make keeps only the date and id of the newest item it processed, reads pages newest first
until it meets what it has seen, and takes only items after that date and id. These tests
poll the same way and check that nothing stored later can fall behind that memory.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from event_support import connected, event_body, signed_post

from chalicelib.store.events import HORIZON_SECONDS
from sandbox import DEMO_KEY_A, DEMO_LOCATION_A


def make_key(item: dict) -> tuple[int, str]:
    """What Make's trigger sorts and remembers: the date its `trigger.date` IML reads (the milliseconds in the id), then the id."""
    return int(item["id"].split("_")[1]), item["id"]


class MakeLikePoller:
    """A watch module as Make documents it: it remembers only the newest (date, id) it processed."""

    def __init__(self, client, page_size: int, now: float) -> None:
        self.client = client
        self.page_size = page_size
        self.last = (int(now * 1000), "")  # "From now on"
        self.processed: list[str] = []

    def run(self) -> None:
        """One scheduled run: pages back to what it has seen, then processes what is newer, oldest first."""
        items: list[dict] = []
        params = {"settled": "1", "limit": self.page_size}
        for _ in range(1000):
            page = self.client.get("/v1/triggers/any", params=params)
            assert page.status_code == 200, page.text
            items.extend(page.json())
            older = page.headers.get("X-Next-Cursor")
            if older is None or any(make_key(i) <= self.last for i in page.json()):
                break
            params = {**params, "before": older}
        new = sorted({make_key(i) for i in items if make_key(i) > self.last})
        self.processed.extend(event_id for _, event_id in new)
        if new:
            self.last = new[-1]


def test_a_make_like_poller_processes_every_event_of_20_concurrent_writers_once(stack, clock):
    connection = connected(stack)
    writers, per_writer = 20, 6
    stop = threading.Event()

    def write(w: int) -> list[str]:
        ids = []
        for i in range(per_writer):
            answer = signed_post(
                stack, connection, event_body(event="card_opened").replace("card_demo_a", f"card_{w}_{i}"), f"msg_s{w}_{i}"
            )
            assert answer.status_code == 200, answer.text
            ids.append(answer.json()["id"])
        return ids

    with stack.client(DEMO_KEY_A) as c:
        poller = MakeLikePoller(c, page_size=4, now=stack.services.clock.now())  # small pages: most runs read several

        def poll() -> None:
            for _ in range(2000):
                clock.advance(1.0)  # the store's clock runs fast: the horizon moves while writers write
                poller.run()
                if stop.is_set() and len(poller.processed) >= writers * per_writer:
                    return

        thread = threading.Thread(target=poll)
        thread.start()
        with ThreadPoolExecutor(max_workers=writers) as pool:
            stored = [i for ids in pool.map(write, range(writers)) for i in ids]
        clock.advance(HORIZON_SECONDS)
        stop.set()
        thread.join(timeout=120)
    assert sorted(poller.processed) == sorted(stored)
    assert len(poller.processed) == len(set(poller.processed)) == writers * per_writer


def _store(stack, key: str, *, awaiting: bool = False) -> str:
    record = {"event": "card_opened", "location_id": DEMO_LOCATION_A, "enriched": False}
    event_id, new = stack.services.events.put_new(DEMO_LOCATION_A, key, key.replace("_", ""), record, awaiting=awaiting)
    assert new
    return event_id


def test_settled_answers_hold_back_the_horizon_and_everything_from_an_event_awaiting_enrichment(stack, clock):
    with stack.client(DEMO_KEY_A) as c:
        c.get("/v1/me")
        first = _store(stack, "k_first")
        clock.advance(1)
        waiting = _store(stack, "k_waiting", awaiting=True)
        clock.advance(1)
        later = _store(stack, "k_later")

        def settled() -> list[str]:
            answer = c.get("/v1/triggers/any", params={"settled": "1", "limit": 10})
            assert answer.status_code == 200, answer.text
            return [e["id"] for e in answer.json()]

        assert settled() == []  # all three are newer than the horizon
        clock.advance(HORIZON_SECONDS)
        assert settled() == [first]  # the event awaiting enrichment holds itself and every newer one back
        assert stack.services.events.release(DEMO_LOCATION_A, "k_waiting", {"event": "card_opened", "id": waiting, "enriched": True})
        assert settled() == [later, waiting, first]  # newest first, each with the time of its cursor in its id


def test_settled_pages_go_backwards_with_before_and_say_when_there_is_no_older_page(stack, clock):
    with stack.client(DEMO_KEY_A) as c:
        c.get("/v1/me")
        ids = []
        for i in range(5):
            ids.append(_store(stack, f"k_page{i}"))
            clock.advance(1)
        clock.advance(HORIZON_SECONDS)
        pages, params = [], {"settled": "1", "limit": 2}
        while True:
            answer = c.get("/v1/triggers/any", params=params)
            pages.append([e["id"] for e in answer.json()])
            if "X-Next-Cursor" not in answer.headers:
                break
            params = {"limit": 2, "before": answer.headers["X-Next-Cursor"]}
        newest_first = ids[::-1]
        assert [i for page in pages for i in page][:5] == newest_first
        assert pages[:3] == [newest_first[0:2], newest_first[2:4], newest_first[4:5]]


def test_since_decides_when_given_with_settled_and_a_bad_before_is_refused_by_name(stack, clock):
    with stack.client(DEMO_KEY_A) as c:
        c.get("/v1/me")
        first = _store(stack, "k_one")
        clock.advance(1)
        second = _store(stack, "k_two")
        clock.advance(HORIZON_SECONDS)
        both = c.get("/v1/triggers/any", params={"settled": "1", "before": second, "since": first})
        assert both.status_code == 200
        assert [e["id"] for e in both.json()] == [second] and both.headers["X-Next-Cursor"] == second  # the since answer
        bad = c.get("/v1/triggers/any", params={"before": "yesterday"})
        assert bad.status_code == 422 and "before" in bad.json()["error"]["fields"]


def test_the_openapi_document_declares_settled_and_before(stack):
    with stack.client(DEMO_KEY_A) as c:
        document = c.get("/openapi.json").json()
    names = {p["name"] for p in document["paths"]["/v1/triggers/{event}"]["get"]["parameters"]}
    assert {"settled", "before", "since", "limit"} <= names
