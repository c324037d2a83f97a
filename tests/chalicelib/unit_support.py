"""Helpers the unit tests under tests/chalicelib share (imported by name, never from a conftest)."""

from __future__ import annotations

from chalicelib.clock import Clock

START = 1_800_000_000.0  # a fixed wall-clock second, so every time a test expects is derived from it


class ManualClock(Clock):
    """A clock that moves only when the test moves it: leases, TTLs and windows are exact, never raced."""

    def __init__(self, now: float = START) -> None:
        self.at = now

    def now(self) -> float:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += seconds
