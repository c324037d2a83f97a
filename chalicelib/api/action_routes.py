"""Actions, searches and dropdown sources: thin routes over ``action_runner.run``."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]

from chalicelib.api.http import MODELS, Call, endpoint
from chalicelib.errors import NotFound

bp = Blueprint(__name__)


def _run(kind: str, call: Call, data: dict[str, Any]) -> Any:
    from chalicelib.api import action_runner
    from chalicelib.contract import registry  # the definitions load on first use, not at cold start

    definition = registry.action_by_path(kind, call.params["slug"])
    if definition is None:
        raise NotFound(f"There is no {'action' if kind == 'create' else 'search'} called {call.params['slug']!r}")
    header = {k.lower(): v for k, v in call.headers.items()}.get("idempotency-key")
    with call.services.sevenstamp(call.api_key) as client:
        return action_runner.run(
            call.services.idempotency, definition, call.me, client, data, header, phone_region=call.services.settings.default_phone_region
        )


@endpoint(bp, "/v1/actions/{slug}", ["POST"], summary="An action", per_definition="create", errors=(400, 404, 409, 413, 422))
def action(call: Call) -> Any:
    return _run("create", call, call.json())


@endpoint(bp, "/v1/searches/{slug}", ["GET"], summary="A search", per_definition="search", errors=(404, 422))
def search(call: Call) -> Any:
    return _run("search", call, call.query)


@endpoint(bp, "/v1/options/{source}", ["GET"], summary="Dropdown sources", responses={200: MODELS + "Options"}, errors=(404,))
def options(call: Call) -> list[dict[str, str]]:
    from chalicelib.contract import registry
    from chalicelib.contract.catalog import OPTION_SOURCES

    source = call.params["source"]
    if source not in OPTION_SOURCES:
        raise NotFound(f"No dropdown called {source!r}; there are {', '.join(OPTION_SOURCES)}")
    if source == "events":
        return [{"id": key, "label": t.label} for key, t in registry.triggers().items()]
    with call.services.sevenstamp(call.api_key) as client:
        templates = client.card_templates() if source == "card-templates" else client.voucher_templates()
    return [{"id": str(t["id"]), "label": str(t.get("name") or t["id"])} for t in templates]
