"""The small version of the load benchmark (``python -m benchmarks.load --small``): its counts, never its times.

It runs in a process of its own, as it starts a whole local stack (moto, sandbox with
7stamp's rate limit, connector, workers) and sets the environment that stack needs.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.long  # about a minute or two, mostly waiting: started first (tests/conftest.py)


@pytest.fixture(scope="module")
def figures() -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.load", "--small", "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_every_event_arrives_and_7stamp_never_throttles(figures: dict[str, Any]) -> None:
    assert figures["events"] == 130 and figures["accepted"] == 130
    assert figures["lost"] == 0
    assert figures["sevenstamp_429"] == 0
    assert figures["sevenstamp_peak_per_second"] <= 5


def test_nothing_twice_nothing_missed_and_enriched(figures: dict[str, Any]) -> None:
    assert figures["delivered_twice"] == 0
    assert figures["missed_by_poller"] == 0
    assert figures["enriched_share"] >= 0.99
