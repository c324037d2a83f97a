"""Health, the connection test, the catalog and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]

from chalicelib.api.http import Call, endpoint

bp = Blueprint(__name__)


@endpoint(bp, "/health", ["GET"], authenticated=False)
def health(call: Call) -> dict[str, Any]:
    return {"ok": True}


@endpoint(bp, "/v1/me", ["GET"])
def me(call: Call) -> dict[str, Any]:
    return call.me.public()


@endpoint(bp, "/v1/catalog", ["GET"])
def get_catalog(call: Call) -> dict[str, Any]:
    from chalicelib import catalog

    return catalog.catalog()


@endpoint(bp, "/openapi.json", ["GET"])
def get_openapi(call: Call) -> dict[str, Any]:
    from chalicelib import openapi

    return openapi.document()
