"""At most one POST per event, subscription and attempt: concurrent claims of one delivery, over HTTP to moto."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from chalicelib import services
from chalicelib.store.records import Delivery, DeliveryStatus

THREADS = 12
ROUNDS = 15


def pending(cursor: str) -> Delivery:
    return Delivery("hook_race", "loc_race", f"m#{cursor}", cursor, f"evt_{cursor}", "stamp_added", DeliveryStatus.PENDING, 0, 0.0)


def test_many_threads_racing_to_claim_one_delivery_one_wins_every_time(stack):
    store = services.deliveries()
    winners_per_round = []
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        for round_no in range(ROUNDS):
            delivery = pending(f"{round_no:015d}#race")
            start = threading.Barrier(THREADS)

            def claim(_: int, delivery: Delivery = delivery, start: threading.Barrier = start) -> bool:
                start.wait(timeout=30)
                return store.claim(delivery, 60) is not None

            winners_per_round.append(sum(pool.map(claim, range(THREADS))))
    assert winners_per_round == [1] * ROUNDS
