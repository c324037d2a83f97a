"""Health, the connection test, the catalog and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]

from chalicelib.api import bodies
from chalicelib.api.http import MODELS, OPERATIONS, Call, endpoint

bp = Blueprint(__name__)


@endpoint(bp, "/health", ["GET"], summary="Liveness", authenticated=False, responses={200: MODELS + "Health"})
def health(call: Call) -> dict[str, Any]:
    return {"ok": True}


@endpoint(bp, "/v1/me", ["GET"], summary="Connection test and label", responses={200: MODELS + "Me"})
def me(call: Call) -> dict[str, Any]:
    return bodies.me(call.me)


@endpoint(bp, "/v1/catalog", ["GET"], summary="Every trigger, action and search", responses={200: MODELS + "Document"})
def get_catalog(call: Call) -> dict[str, Any]:
    from chalicelib.contract import catalog

    return catalog.catalog()


@endpoint(
    bp,
    "/openapi.json",
    ["GET"],
    summary="This document (no key: it holds no data)",
    authenticated=False,
    responses={200: MODELS + "Document"},
)
def get_openapi(call: Call) -> dict[str, Any]:
    from chalicelib.api import openapi

    return openapi.document(OPERATIONS)
