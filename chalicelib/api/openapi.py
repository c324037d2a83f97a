"""The OpenAPI 3.1 document of the connector's HTTP contract, built from the routes' own declarations.

Every route declares itself once (``http.endpoint``) with the pydantic models it
validates with and answers with; actions and searches come from their definitions
(input model, output fields). Nothing here describes a route by hand, so the document
cannot drift from what the routes do.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from chalicelib.api.http import MODELS, Operation, model
from chalicelib.contract import limits, registry
from chalicelib.contract.definitions import ActionDefinition, OutputField
from chalicelib.contract.limits import IDEMPOTENCY_FIELD

ERROR_WORDS = {
    400: "Unreadable body: not JSON, not an object, NaN or Infinity, or nested too deeply",
    401: "Missing, malformed, unknown or revoked key (or a bad signature)",
    403: "The body belongs to another location",
    404: "Not found (or another location's)",
    409: "Conflict: already redeemed, or an idempotency key used with other input",
    413: f"Body over {limits.MAX_BODY_BYTES // 1024} KB",
    422: "Invalid fields, each named",
    429: "7stamp throttled; see Retry-After",
    502: "7stamp failed",
    504: "7stamp timed out",
}
_OUTPUT_TYPES = {"datetime": "string"}


class _Schemas:
    """The document's components: each model once, under its class name."""

    def __init__(self) -> None:
        self.components: dict[str, Any] = {}

    def ref(self, cls: type[BaseModel]) -> dict[str, Any]:
        schema = cls.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
        for name, definition in {**schema.pop("$defs", {}), cls.__name__: schema}.items():
            if self.components.setdefault(name, definition) != definition:
                raise ValueError(f"two different models are both called {name}")
        return {"$ref": f"#/components/schemas/{cls.__name__}"}

    def add(self, name: str, schema: dict[str, Any]) -> dict[str, Any]:
        self.components[name] = schema
        return {"$ref": f"#/components/schemas/{name}"}


def _content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _statuses(op: Operation) -> tuple[int, ...]:
    """The declared errors, plus those every authenticated route or body-reading route can give."""
    common = (401, 429, 502, 504) if op.authenticated else ()
    reading = (400, 413, 422) if op.body else ((422,) if op.query else ())
    return tuple(sorted({*op.errors, *common, *reading}))


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query model's schema as a query string can carry it: a parameter is absent, never null."""
    properties = {}
    for name, prop in schema.get("properties", {}).items():
        prop = {k: v for k, v in prop.items() if not (k == "default" and v is None)}
        branches = [b for b in prop.get("anyOf", []) if b != {"type": "null"}]
        if "anyOf" in prop and len(branches) == 1:
            prop = {**{k: v for k, v in prop.items() if k != "anyOf"}, **branches[0]}
        properties[name] = prop
    return {**schema, "properties": properties}


def _query_parameters(cls: type[BaseModel], schemas: _Schemas) -> list[dict[str, Any]]:
    """One parameter per field; a model with rules over several fields is one exploded object parameter."""
    schema = _without_null(cls.model_json_schema(by_alias=True))
    if "allOf" in schema:
        return [
            {
                "name": cls.__name__,
                "in": "query",
                "required": True,
                "style": "form",
                "explode": True,
                "schema": schemas.add(cls.__name__, schema),
            }
        ]
    required = schema.get("required", [])
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop} for name, prop in schema.get("properties", {}).items()
    ]


def _path_parameters(path: str) -> list[dict[str, Any]]:
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    schemas = {"event": {"type": "string", "enum": list(registry.triggers())}}
    from chalicelib.contract.catalog import OPTION_SOURCES

    schemas["source"] = {"type": "string", "enum": list(OPTION_SOURCES)}
    return [{"name": n, "in": "path", "required": True, "schema": schemas.get(n, {"type": "string", "minLength": 1})} for n in names]


def _operation(op: Operation, schemas: _Schemas) -> dict[str, Any]:
    out: dict[str, Any] = {
        "summary": op.summary,
        "operationId": f"{op.method.lower()}_{op.path.strip('/').replace('/', '_').replace('{', '').replace('}', '')}",
    }
    parameters = _path_parameters(op.path) + (_query_parameters(model(op.query), schemas) if op.query else [])
    if op.path.startswith("/inbound/"):
        parameters += [
            {"name": h, "in": "header", "required": True, "schema": {"type": "string"}}
            for h in ("webhook-id", "webhook-timestamp", "webhook-signature")
        ]
    if parameters:
        out["parameters"] = parameters
    if op.body:
        body = model(op.body)
        # an empty body reads as {}: it may be left out when the model requires nothing
        out["requestBody"] = {"required": bool(body.model_json_schema().get("required")), **_content(schemas.ref(body))}
    responses: dict[str, Any] = {}
    for status, ref in op.responses.items():
        words = "OK" if status < 400 else ERROR_WORDS[status]
        responses[str(status)] = {"description": words if ref else "No content", **(_content(schemas.ref(model(ref))) if ref else {})}
    error = schemas.ref(model(MODELS + "Error"))
    for status in _statuses(op):
        responses.setdefault(str(status), {"description": ERROR_WORDS[status], **_content(error)})  # a route's own answer wins
    out["responses"] = responses
    if not op.authenticated:
        out["security"] = []
    return out


def output_schema(fields: tuple[OutputField, ...]) -> dict[str, Any]:
    """An action's result: its output fields (each may be null) and whatever else 7stamp returned."""
    properties = {f.key: {"type": [_OUTPUT_TYPES.get(f.type, f.type), "null"], "title": f.label} for f in fields if "." not in f.key}
    return {"type": "object", "properties": properties, "additionalProperties": True}


def _definition_operation(op: Operation, definition: ActionDefinition, schemas: _Schemas) -> dict[str, Any]:
    """One action or search: the generic route's declaration with the definition's models filled in."""
    name = "".join(p.capitalize() for p in definition.key.split("_"))
    output = schemas.add(f"{name}Output", output_schema(definition.output_fields))
    if definition.kind == "create":
        concrete = Operation(op.method, definition.path, definition.label, op.authenticated, None, None, {}, op.errors)
        out = _operation(concrete, schemas)
        key = {"type": "string", "minLength": 1, "maxLength": limits.IDEMPOTENCY_KEY_MAX}
        schemas.ref(definition.input_model)
        # the idempotency key may also come in the body: the runtime reads it before the input model (IDEMPOTENCY_FIELD)
        body = schemas.components[definition.input_model.__name__]
        body["properties"][IDEMPOTENCY_FIELD] = {
            **key,
            "title": "Idempotency key",
            "description": "Map an order id here: a replayed request changes nothing.",
        }
        out["requestBody"] = {"required": True, **_content({"$ref": f"#/components/schemas/{definition.input_model.__name__}"})}
        out["parameters"] = [{"name": "Idempotency-Key", "in": "header", "required": False, "schema": key}]
        out["responses"] = {"200": {"description": "OK", **_content(output)}, **{s: r for s, r in out["responses"].items() if s != "200"}}
    else:
        concrete = Operation(op.method, definition.path, definition.label, op.authenticated, None, None, {}, op.errors)
        out = _operation(concrete, schemas)
        out["parameters"] = _query_parameters(definition.input_model, schemas)
        out["responses"] = {
            "200": {"description": "OK", **_content({"type": "array", "items": output})},
            **{s: r for s, r in out["responses"].items() if s != "200"},
        }
    out["description"] = definition.help_text
    out["operationId"] = definition.key
    return out


def document(operations: Sequence[Operation]) -> dict[str, Any]:
    """The document of these routes: ``routes.operations()``, or what the app declared (``http.OPERATIONS``).

    Built once per set of routes and of definitions (the registry's collections, by identity): a registry
    widened by a test is not answered from a document of the narrower one.
    """
    return _document(tuple(operations), id(registry.triggers()), id(registry.actions()))


@lru_cache(maxsize=1)
def _document(operations: tuple[Operation, ...], triggers_id: int, actions_id: int) -> dict[str, Any]:
    schemas = _Schemas()
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        if op.per_definition:
            for definition in registry.actions().values():
                if definition.kind == op.per_definition:
                    paths.setdefault(definition.path, {})[op.method.lower()] = _definition_operation(op, definition, schemas)
        else:
            paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "7stamp connector",
            "version": "1.0.0",
            "description": "REST hooks, polling triggers, actions and searches for 7stamp wallet loyalty cards.",
        },
        "paths": paths,
        "components": {
            "schemas": dict(sorted(schemas.components.items())),
            "securitySchemes": {
                "apiKey": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-API-Key",
                    "description": f"A 7stamp location API key, {limits.API_KEY_PATTERN}",
                },
                "bearer": {"type": "http", "scheme": "bearer"},
            },
        },
        "security": [{"apiKey": []}, {"bearer": []}],
    }
