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
