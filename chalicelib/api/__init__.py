"""HTTP blueprints; ``http.endpoint`` is the one place where errors become responses."""

from __future__ import annotations

from typing import Any


def blueprints() -> list[Any]:
    """Every blueprint of the API, in registration order: app.py registers them and the OpenAPI document lists their routes."""
    from chalicelib.api import action_routes, console, delivery_log_routes, event_search, hooks, inbound, mcp, meta, polling

    return [meta.bp, action_routes.bp, hooks.bp, polling.bp, inbound.bp, delivery_log_routes.bp, event_search.bp, console.bp, mcp.bp]
