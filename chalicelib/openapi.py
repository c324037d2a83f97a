"""The OpenAPI 3.1 document of the connector's HTTP contract, derived from the definitions."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from chalicelib import registry
from chalicelib.catalog import OPTION_SOURCES
from chalicelib.store.records import DeliveryStatus

ERROR = {"$ref": "#/components/schemas/Error"}
HOOK = {"allOf": [{"$ref": "#/components/schemas/Hook"}, {"$ref": "#/components/schemas/HookHealth"}]}
DELIVERY = {"$ref": "#/components/schemas/Delivery"}


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
            "get": {"summary": "The tenant's subscriptions with their health", "responses": {"200": _json({"type": "array", "items": HOOK}), **_errors(401)}},
        },
        "/v1/hooks/{id}": {
            "get": {"summary": "One subscription with its health", "parameters": [_path("id")], "responses": {"200": _json(HOOK), **_errors(401, 404)}},
            "delete": {"summary": "Unsubscribe", "parameters": [_path("id")], "responses": {"204": {"description": "Deleted"}, **_errors(401, 404)}},
        },
        "/v1/hooks/{id}/enable": {"post": {"summary": "Deliver to a disabled subscription again", "parameters": [_path("id")], "responses": {"200": _json(HOOK), **_errors(401, 404)}}},
        "/v1/hooks/{id}/disable": {"post": {"summary": "Stop deliveries to a subscription", "parameters": [_path("id")], "responses": {"200": _json(HOOK), **_errors(401, 404)}}},
        "/v1/hooks/{id}/test": {"post": {"summary": "Send the trigger's sample, marked as a test, signed like any delivery", "parameters": [_path("id")],
                                         "responses": {"200": _json({"$ref": "#/components/schemas/Attempt"}, "The attempt, with the event id of the test"), **_errors(401, 404)}}},
        "/v1/hooks/{id}/deliveries": {"get": {"summary": "Recent deliveries of a subscription with their attempts", "parameters": [_path("id")],
                                              "responses": {"200": _json({"type": "array", "items": DELIVERY}), **_errors(401, 404)}}},
        "/v1/hooks/{id}/deliveries/{event_id}": {"get": {"summary": "One delivery with its attempts", "parameters": [_path("id"), _path("event_id")],
                                                         "responses": {"200": _json(DELIVERY), **_errors(401, 404)}}},
        "/v1/hooks/{id}/deliveries/{event_id}/resend": {"post": {"summary": "Send one delivery again now", "parameters": [_path("id"), _path("event_id")],
                                                                 "responses": {"200": _json(DELIVERY), **_errors(401, 404, 409)}}},
        "/v1/hooks/{id}/replay": {
            "post": {
                "summary": "Re-send failed deliveries",
                "parameters": [_path("id")],
                "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {
                    "since": {"type": "string", "description": "An event id or a time: only deliveries of events received after it"},
                    "dry_run": {"type": "boolean", "description": "Only say how many would be sent again"}}}}}},
                "responses": {"200": _json({"type": "object", "properties": {"replayed": {"type": "integer"}, "would_replay": {"type": "integer"}}}), **_errors(400, 401, 404, 409, 422)},
            }
        },
        "/v1/deliveries": {
            "get": {
                "summary": "The tenant's deliveries across subscriptions, newest first",
                "parameters": [
                    {"name": "status", "in": "query", "schema": {"type": "string", "enum": [s.value for s in DeliveryStatus]}},
                    {"name": "event", "in": "query", "schema": {"type": "string"}},
                    {"name": "since", "in": "query", "schema": {"type": "string"}, "description": "An event id or a time"},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50}},
                    {"name": "page", "in": "query", "schema": {"type": "string"}, "description": "The next value of the previous answer"},
                ],
                "responses": {"200": _json({"type": "object", "properties": {"deliveries": {"type": "array", "items": DELIVERY}, "next": {"type": ["string", "null"]}}}),
                              **_errors(401, 422)},
            }
        },
        "/v1/deliveries/hourly": {"get": {"summary": "Deliveries per hour by status over the last 24 hours",
                                          "responses": {"200": _json({"type": "array", "items": {"type": "object"}}), **_errors(401)}}},
        "/v1/events": {"get": {"summary": "Recent events, or those of one customer (email, phone, customer id, card id) or event id",
                               "parameters": [{"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 200}}],
                               "responses": {"200": _json({"type": "array", "items": {"$ref": "#/components/schemas/EventRecord"}}), **_errors(401, 422)}}},
        "/console": {"get": {"summary": "The operator console (a static page; it asks for the key)", "security": [],
                             "responses": {"200": {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}}}}},
        "/console/{asset}": {"get": {"summary": "The console's script and style", "security": [],
                                     "parameters": [{"name": "asset", "in": "path", "required": True, "schema": {"type": "string", "enum": ["console.js", "console.css", "favicon.svg"]}}],
                                     "responses": {"200": {"description": "The file"}, **_errors(404)}}},
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
        "HookHealth": {"type": "object", "properties": {
            "status": {"type": "string", "enum": ["active", "failing", "disabled"]}, "disabled": {"type": "boolean"},
            "failing_since": {"type": ["string", "null"], "format": "date-time"}, "disabled_at": {"type": ["string", "null"], "format": "date-time"},
            "disabled_reason": {"type": ["string", "null"]}, "last_delivery_at": {"type": ["string", "null"], "format": "date-time"},
            "last_delivery_status": {"type": ["string", "null"]},
            "counts_24h": {"type": "object", "properties": {s.value: {"type": "integer"} for s in DeliveryStatus}}}},
        "Attempt": {"type": "object", "properties": {
            "at": {"type": "string", "format": "date-time"}, "status_code": {"type": ["integer", "null"]}, "error": {"type": ["string", "null"]},
            "latency_ms": {"type": ["number", "null"]}, "answer": {"type": ["string", "null"], "description": "The first 1 KB of the subscriber's answer"},
            "ok": {"type": "boolean"}, "event_id": {"type": "string"}}},
        "Delivery": {"type": "object", "properties": {
            "hook_id": {"type": "string"}, "event_id": {"type": "string"}, "event": {"type": "string"},
            "status": {"type": "string", "enum": [s.value for s in DeliveryStatus]}, "received_at": {"type": "string", "format": "date-time"},
            "attempts": {"type": "integer"}, "last_status_code": {"type": ["integer", "null"]}, "last_error": {"type": ["string", "null"]},
            "last_attempt_at": {"type": ["string", "null"]}, "last_latency_ms": {"type": ["number", "null"]}, "next_attempt_at": {"type": ["string", "null"]},
            "history": {"type": "array", "items": {"$ref": "#/components/schemas/Attempt"}}}},
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
