"""DynamoDB's per-item atomicity for moto's in-process server.

moto applies a conditional write in steps (read the item, check the condition, change
it), so two requests on server threads can both pass the same condition: two workers
would both claim one delivery and POST it twice. AWS checks and writes an item as one
step. ``install()`` makes every item operation of moto's DynamoDB handler (writes,
transactions, PartiQL, and the reads, which must not see an item half-changed) run
under one process-wide lock. The local stack and the tests call it before moto starts.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

ITEM_OPERATIONS = (
    "put_item",
    "update_item",
    "delete_item",
    "batch_write_item",
    "transact_write_items",
    "execute_statement",
    "execute_transaction",
    "batch_execute_statement",
    "get_item",
    "batch_get_item",
    "transact_get_items",
    "query",
    "scan",
)

_lock = threading.RLock()


def _serialised(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def run(*args: Any, **kwargs: Any) -> Any:
        with _lock:
            return method(*args, **kwargs)

    run.__moto_atomic__ = True  # type: ignore[attr-defined]
    return run


def install() -> None:
    """Wrap moto's DynamoDB item operations in the lock (once per process; calling again changes nothing)."""
    from moto.dynamodb.responses import DynamoHandler

    for name in ITEM_OPERATIONS:
        method = getattr(DynamoHandler, name)
        if not getattr(method, "__moto_atomic__", False):
            setattr(DynamoHandler, name, _serialised(method))


def main(argv: list[str] | None = None) -> None:
    """``python -m stack.moto_atomic -H 127.0.0.1 -p 5000``: moto's own server command, with the lock installed."""
    from moto.server import main as moto_main

    install()
    moto_main(argv)


if __name__ == "__main__":
    main()
