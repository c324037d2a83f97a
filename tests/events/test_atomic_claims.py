"""At most one POST per event, subscription and attempt: concurrent claims of one delivery, over HTTP to moto.

Without ``stack.moto_atomic`` moto lets several of these claims win (it checks a
condition and writes in steps); DynamoDB never does.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from chalicelib.store.records import Attempt, DeliveryRecord, DeliveryStatus

THREADS = 12
ROUNDS = 10


def race(pool: ThreadPoolExecutor, claim_once) -> int:
    start = threading.Barrier(THREADS)

    def claim(_: int) -> bool:
        start.wait(timeout=30)
        return claim_once() is not None

    return sum(pool.map(claim, range(THREADS)))


def test_many_threads_racing_to_claim_one_delivery_one_wins_every_time(stack):
    store = stack.services.deliveries
    first_winners, retry_winners = [], []
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        for round_no in range(ROUNDS):
            cursor = f"{round_no:015d}#race"
            delivery = DeliveryRecord(
                "hook_race", "loc_race", f"m#{cursor}", cursor, f"evt_{round_no}_race", "stamp_added", DeliveryStatus.PENDING, 0, 0.0
            )
            # the first attempt: the claims race to create the record
            winners: list[DeliveryRecord] = []

            def first_claim(d: DeliveryRecord = delivery, winners: list[DeliveryRecord] = winners) -> DeliveryRecord | None:
                claimed = store.claim(d, 60, first=True)
                if claimed is not None:
                    winners.append(claimed)
                return claimed

            first_winners.append(race(pool, first_claim))
            # the attempt failed and is due again: the retry's claims race to update it
            store.finish_many(
                [(winners[0], Attempt(stack.services.clock.now(), 500, None), DeliveryStatus.PENDING, stack.services.clock.now() - 1)]
            )
            retry_winners.append(race(pool, lambda d=delivery: store.claim(d, 60)))
    assert first_winners == [1] * ROUNDS
    assert retry_winners == [1] * ROUNDS
