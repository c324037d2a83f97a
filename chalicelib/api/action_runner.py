"""Running an action or search: validate, apply idempotency, perform, shape the output.

Idempotency is applied here, once, for every ``create``: the key comes from the
``Idempotency-Key`` header or an ``idempotency_key`` field; the first result is kept per
tenant; the same key with other input is 409. The key is passed on to 7stamp, suffixed
per call so that an action making two writes (issue a card, then stamp it) keeps them apart.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from chalicelib.contract import input_types
from chalicelib.contract.definitions import ActionContext, ActionDefinition
from chalicelib.contract.limits import IDEMPOTENCY_FIELD, IDEMPOTENCY_KEY_MAX
from chalicelib.errors import Conflict, ValidationFailed
from chalicelib.sevenstamp.client import SevenStampClient
from chalicelib.store.idempotency import IdempotencyStatus, IdempotencyStore
from chalicelib.store.records import Tenant


def _fingerprint(definition: ActionDefinition, data: dict[str, Any]) -> str:
    canonical = json.dumps({"action": definition.key, "input": data}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _idempotency_key(header: str | None, data: dict[str, Any]) -> str | None:
    raw = data.pop(IDEMPOTENCY_FIELD, None)
    reason = f"must be text of 1 to {IDEMPOTENCY_KEY_MAX} characters"
    for given in (header, raw):  # both checked, though the header wins
        if given is not None and (not isinstance(given, str) or not 1 <= len(given) <= IDEMPOTENCY_KEY_MAX):
            raise ValidationFailed(f"The idempotency key {reason}", fields={IDEMPOTENCY_FIELD: reason})
    return header if header is not None else raw


def run(
    store: IdempotencyStore,
    definition: ActionDefinition,
    tenant: Tenant,
    client: SevenStampClient,
    data: dict[str, Any],
    idempotency_header: str | None = None,
    *,
    phone_region: str = "US",
) -> Any:
    """Perform one action or search for the tenant and return its output (a ``create`` once per idempotency key, kept in ``store``)."""
    data = dict(data)
    key = _idempotency_key(idempotency_header, data) if definition.kind == "create" else None
    model = input_types.parse(definition.input_model, data, phone_region=phone_region)
    if key is None:
        return definition.perform(ActionContext(client, tenant, f"conn-{uuid.uuid4().hex}"), model)
    fingerprint = _fingerprint(definition, model.model_dump(mode="json"))
    existing = store.begin(tenant.location_id, key, fingerprint)
    if existing is not None:
        if existing.fingerprint != fingerprint:
            raise Conflict("This idempotency key was already used with different input", code="idempotency_conflict")
        if existing.status is IdempotencyStatus.IN_PROGRESS:
            raise Conflict("A request with this idempotency key is still being processed; retry shortly", code="idempotency_in_progress")
        return existing.response
    try:
        output = definition.perform(ActionContext(client, tenant, f"{tenant.location_id}:{key}"), model)
    except BaseException:
        store.abort(tenant.location_id, key)
        raise
    store.complete(tenant.location_id, key, output)
    return output
