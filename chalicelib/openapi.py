"""The OpenAPI 3.1 document of the connector's HTTP contract, derived from the definitions."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from chalicelib import registry
from chalicelib.catalog import OPTION_SOURCES

ERROR = {"$ref": "#/components/schemas/Error"}


def _errors(*statuses: int) -> dict[str, Any]:
    words = {400: "Unreadable body", 401: "Missing, malformed, unknown or revoked key", 404: "Not found", 409: "Conflict", 413: "Body over 256 KB",
             422: "Invalid fields", 429: "7stamp throttled; see Retry-After", 502: "7stamp failed", 504: "7stamp timed out"}
    return {str(s): {"description": words[s], "content": {"application/json": {"schema": ERROR}}} for s in statuses}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    events = list(registry.triggers())
    paths: dict[str, Any] = {
        "/health": {"get": {"summary": "Liveness", "security": [], "responses": {"200": _json({"type": "object"})}}},
        "/v1/me": {"get": {"summary": "Connection test and label", "responses": {"200": _json({"$ref": "#/components/schemas/Me"}), **_errors(401, 502, 504)}}},
        "/openapi.json": {"get": {"summary": "This document", "responses": {"200": _json({"type": "object"}), **_errors(401)}}},
        "/v1/catalog": {"get": {"summary": "Every trigger, action and search", "responses": {"200": _json({"type": "object"}), **_errors(401)}}},
        "/v1/hooks": {
            "post": {
                "summary": "Subscribe a target URL to an event",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HookRequest"}}}},
                "responses": {"201": _json({"$ref": "#/components/schemas/Hook"}, "Subscribed; the secret is shown only here"), **_errors(400, 401, 413, 422)},
            },
            "get": {"summary": "The tenant's subscriptions", "responses": {"200": _json({"type": "array", "items": {"$ref": "#/components/schemas/Hook"}}), **_errors(401)}},
        },
        "/v1/hooks/{id}": {"delete": {"summary": "Unsubscribe", "parameters": [_path("id")], "responses": {"204": {"description": "Deleted"}, **_errors(401, 404)}}},
        "/v1/hooks/{id}/deliveries": {"get": {"summary": "Recent delivery attempts", "parameters": [_path("id")], "responses": {"200": _json({"type": "array", "items": {"type": "object"}}), **_errors(401, 404)}}},
        "/v1/hooks/{id}/replay": {"post": {"summary": "Re-send failed deliveries", "parameters": [_path("id")], "responses": {"200": _json({"type": "object"}), **_errors(401, 404, 422)}}},
        "/v1/triggers/{event}": {
            "get": {
                "summary": "Recent events, newest first",
                "parameters": [
                    {"name": "event", "in": "path", "required": True, "schema": {"type": "string", "enum": events}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50}},
                    {"name": "since", "in": "query", "schema": {"type": "string"}, "description": "An event id: only events received after it"},
                    {"name": "samples", "in": "query", "schema": {"type": "string", "enum": ["0", "1"]}},
                ],
                "responses": {"200": _json({"type": "array", "items": {"$ref": "#/components/schemas/EventRecord"}}), **_errors(401, 404, 422)},
            }
        },
        "/v1/options/{source}": {
            "get": {
                "summary": "Dropdown sources",
                "parameters": [{"name": "source", "in": "path", "required": True, "schema": {"type": "string", "enum": list(OPTION_SOURCES)}}],
                "responses": {"200": _json({"type": "array", "items": {"$ref": "#/components/schemas/Option"}}), **_errors(401, 404)},
            }
        },
        "/inbound/7stamp/{token}": {
            "post": {"summary": "7stamp's signed webhook deliveries", "security": [], "parameters": [_path("token")],
                     "responses": {"200": {"description": "Stored (or a duplicate)"}, **_errors(401, 404, 413)}}
        },
    }
    schemas: dict[str, Any] = {
        "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
            "code": {"type": "string"}, "message": {"type": "string"}, "fields": {"type": "object"}}}}},
        "Me": {"type": "object", "properties": {k: {"type": "string"} for k in ("location_id", "location_name", "business_id", "business_name", "staff_login")}},
        "HookRequest": {"type": "object", "required": ["event", "target_url"], "properties": {
            "event": {"type": "string", "enum": events}, "target_url": {"type": "string", "format": "uri"}, "filters": {"type": "object"}}},
        "Hook": {"type": "object", "properties": {"id": {"type": "string"}, "event": {"type": "string"}, "target_url": {"type": "string"},
                 "filters": {"type": "object"}, "secret": {"type": "string"}, "created_at": {"type": "string", "format": "date-time"}}},
        "EventRecord": {"type": "object", "required": ["id", "event", "enriched"], "properties": {"id": {"type": "string"}, "event": {"type": "string"}, "enriched": {"type": "boolean"}}},
        "Option": {"type": "object", "properties": {"id": {"type": "string"}, "label": {"type": "string"}}},
    }
    for action in registry.actions().values():
        name = "".join(p.capitalize() for p in action.key.split("_"))
        schema = action.input_model.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[f"{name}Input"] = schema
        operation: dict[str, Any] = {"summary": action.label, "description": action.help_text, "operationId": action.key}
        if action.kind == "create":
            operation["parameters"] = [{"name": "Idempotency-Key", "in": "header", "schema": {"type": "string", "maxLength": 200}}]
            operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}Input"}}}}
            operation["responses"] = {"200": _json({"type": "object"}), **_errors(400, 401, 404, 409, 413, 422, 429, 502, 504)}
            paths[action.path] = {"post": operation}
        else:
            operation["parameters"] = [
                {"name": key, "in": "query", "schema": prop, "required": key in schema.get("required", [])} for key, prop in schema.get("properties", {}).items()
            ]
            operation["responses"] = {"200": _json({"type": "array", "items": {"type": "object"}}), **_errors(401, 422, 429, 502, 504)}
            paths[action.path] = {"get": operation}
    return {
        "openapi": "3.1.0",
        "info": {"title": "7stamp connector", "version": "1.0.0", "description": "REST hooks, polling triggers, actions and searches for 7stamp wallet loyalty cards."},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}, "bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"apiKey": []}, {"bearer": []}],
    }


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
