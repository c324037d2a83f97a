"""Helpers the unit tests under tests/chalicelib share (imported by name, never from a conftest)."""

from __future__ import annotations

from typing import TypeVar

from chalicelib.clock import Clock

H = TypeVar("H")  # a 7stamp stand-in handler, handed back as it came

START = 1_800_000_000.0  # a fixed wall-clock second, so every time a test expects is derived from it


class ManualClock(Clock):
    """A clock that moves only when the test moves it: leases, TTLs and windows are exact, never raced."""

    def __init__(self, now: float = START) -> None:
        self.at = now

    def now(self) -> float:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += seconds


def answering(services: object, handler: H) -> H:
    """Point the services' 7stamp pool at ``handler`` (an ``httpx.MockTransport`` handler), as the client's own tests do;
    the handler, for the test to read what it saw."""
    import httpx

    from chalicelib.sevenstamp.client import http_client

    # ``sevenstamp_http`` is a cached property: its value lives in the instance's dict, set here before first use
    vars(services)["sevenstamp_http"] = http_client("http://7stamp.test", transport=httpx.MockTransport(handler))  # type: ignore[arg-type]
    return handler


def connected(services: object, location_id: str, api_key: str, secret: str = "whsec_" + "A" * 43) -> object:
    """A location connected as ``sevenstamp.connect`` leaves it (token, 7stamp's signing secret, the key kept encrypted); its Connection."""
    from chalicelib.container import Services
    from chalicelib.store.keys import key_hash

    assert isinstance(services, Services)
    token = services.locations.claim(location_id, f"{location_id}.{'t' * 32}")
    assert token is not None
    services.locations.complete(location_id, "wh_1", secret)
    services.locations.set_key_blob(location_id, services.key_vault.encrypt(api_key, location_id), key_hash(api_key))
    connection = services.locations.get(location_id)
    assert connection is not None
    return connection


def route_client(services: object, monkeypatch: object, signed_in: dict[str, object] | None = None) -> object:
    """Chalice's in-process test client over the connector's own app (app.py), its routes using ``services``.

    The real app, not one of the test's: Chalice's ``register_blueprint`` consumes a blueprint's route options
    (methods, content types), so registering the project's blueprints into a second app would turn app.py's
    POST routes into GET ones for the rest of the process. What ``use`` changes is restored after the test.
    """
    import pytest
    from chalice.test import Client

    import app as connector_app
    from chalicelib.api import http
    from chalicelib.store.keys import key_hash

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    monkeypatch.setattr(connector_app, "services", connector_app.services)
    monkeypatch.setattr(http, "_wired", list(http._wired))
    connector_app.use(services)  # type: ignore[arg-type]
    for key, tenant in (signed_in or {}).items():  # keys the connector knows already, as after their first call
        services.key_cache.put(key_hash(key), tenant)  # type: ignore[attr-defined]
    return Client(connector_app.app)
