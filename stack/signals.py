"""Ctrl-C and SIGTERM as an event the foreground commands of the stack wait on."""

from __future__ import annotations

import signal
import threading
from types import FrameType


def stop_requested() -> threading.Event:
    """An event set by SIGINT or SIGTERM; install it before starting anything, so a Ctrl-C during start-up still stops cleanly."""
    done = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    return done


def wait_for_stop(done: threading.Event) -> None:
    """Block the main thread until ``done``, waking every half second.

    The kernel may hand a process's SIGINT to any of its threads; Python runs the handler only
    in the main thread, when that thread next runs. A main thread blocked in one endless wait
    would never notice (a ``make run`` with many threads then ignored Ctrl-C); short waits let it.
    """
    while not done.wait(0.5):
        pass
