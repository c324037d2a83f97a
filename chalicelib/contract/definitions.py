"""The shapes of a trigger and an action definition.

Everything a trigger or action is (fields, labels, samples, filters) is declared once
in ``triggers/`` and ``actions/`` with these types; routes, the catalog, the OpenAPI
document and the generated Zapier and Make apps are all derived from them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from pydantic import BaseModel

    from chalicelib.sevenstamp.client import SevenStampClient
    from chalicelib.store.records import Tenant

FieldType = Literal["string", "integer", "number", "boolean", "datetime", "array", "object"]


@dataclass(frozen=True)
class ActionContext:
    """What an action's perform function may use: the tenant's 7stamp client and the call's idempotency key."""

    client: SevenStampClient
    tenant: Tenant
    idempotency_key: str

    def key_for(self, step: str) -> str:
        """The idempotency key of one 7stamp write of this action: as given when it fits a header, else its hash."""
        key = f"{self.idempotency_key}:{step}"
        if len(key) <= 255 and key.isascii() and key.isprintable():
            return key
        return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class OutputField:
    """One field a scenario can map from a result; ``key`` is a dotted path (``customer.email``)."""

    key: str
    label: str
    type: FieldType = "string"


@dataclass(frozen=True)
class Filter:
    """A subscription filter: the event passes when the value at ``path`` is one of the wanted ones."""

    key: str
    label: str
    path: str
    choices: tuple[str, ...] = ()
    help: str = ""
    dynamic: str | None = None  # a dropdown source of /v1/options, e.g. "card-templates"


@dataclass(frozen=True)
class TriggerDefinition:
    """One 7stamp webhook event (or ``any``) as a trigger; ``key`` is the event name and the file name."""

    key: str
    noun: str
    label: str
    help_text: str
    sample: Mapping[str, Any]
    output_fields: tuple[OutputField, ...]
    filters: tuple[Filter, ...] = ()
    aliases: tuple[str, ...] = ()  # names seen in 7stamp's machine-translated manual


@dataclass(frozen=True)
class ActionDefinition:
    """One action (``create``) or search; ``key`` is the file name, e.g. ``add_stamp``."""

    key: str
    kind: Literal["create", "search"]
    noun: str
    label: str
    help_text: str
    input_model: type[BaseModel]
    output_fields: tuple[OutputField, ...]
    sample: Mapping[str, Any]
    perform: Callable[[ActionContext, Any], Any] = field(repr=False)
    destructive: bool = False  # a write that cannot be undone (redeeming a voucher): agents ask before running it

    @property
    def slug(self) -> str:
        """The route segment: ``/v1/actions/add-stamp``, ``/v1/searches/customer``."""
        name = self.key.removeprefix("find_") if self.kind == "search" else self.key
        return name.replace("_", "-")

    @property
    def path(self) -> str:
        return f"/v1/{'actions' if self.kind == 'create' else 'searches'}/{self.slug}"
