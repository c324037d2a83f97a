"""A local, in-memory 7stamp: the REST API assumed in shared/7stamp-api.md, with signed webhook deliveries.

Tests start it in-process (`Sandbox().start()`); `python -m sandbox` runs it for demos and other harnesses.
"""

from __future__ import annotations

from .app import Sandbox
from .seed import (
    DEMO_BUSINESS_ID,
    DEMO_KEY_A,
    DEMO_KEY_B,
    DEMO_KEY_REVOKED,
    DEMO_LOCATION_A,
    DEMO_LOCATION_B,
)

__all__ = [
    "DEMO_BUSINESS_ID",
    "DEMO_KEY_A",
    "DEMO_KEY_B",
    "DEMO_KEY_REVOKED",
    "DEMO_LOCATION_A",
    "DEMO_LOCATION_B",
    "Sandbox",
]
