"""Every blueprint of the API, in registration order: app.py registers them, and importing them declares their routes."""

from __future__ import annotations

from typing import Any

from chalicelib.api import action_routes, console, delivery_log_routes, event_search, hooks, inbound, mcp, meta, polling
from chalicelib.api.http import OPERATIONS, Operation


def blueprints() -> list[Any]:
    """The blueprints in registration order (the OpenAPI document lists their routes in this order)."""
    return [meta.bp, action_routes.bp, hooks.bp, polling.bp, inbound.bp, delivery_log_routes.bp, event_search.bp, console.bp, mcp.bp]


def operations() -> tuple[Operation, ...]:
    """Every declared route, for the OpenAPI document (importing this module declared them all)."""
    return tuple(OPERATIONS)
