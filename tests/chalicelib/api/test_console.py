"""The console's files (api/console.py): served without a key, under a policy that allows only the connector's own files."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from chalice.test import Client
from unit_support import route_client

from chalicelib.api import console
from chalicelib.container import Services


@pytest.fixture
def client(services: Services, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    with route_client(services, monkeypatch) as c:  # type: ignore[attr-defined]
        yield c


def test_the_page_is_served_without_a_key_under_the_policy(client: Client) -> None:
    answer = client.http.get("/console")
    assert answer.status_code == 200 and answer.headers["Content-Type"] == console.TYPES["index.html"]
    assert answer.body.decode() == (console.FOLDER / "index.html").read_text(encoding="utf-8")
    for name, value in console.HEADERS.items():
        assert answer.headers[name] == value
    assert "'unsafe-inline'" not in console.CSP and "default-src 'none'" in console.CSP


@pytest.mark.parametrize("name", [n for n in console.TYPES if n != "index.html"])
def test_each_asset_with_its_type(client: Client, name: str) -> None:
    answer = client.http.get(f"/console/{name}")
    assert answer.status_code == 200 and answer.headers["Content-Type"] == console.TYPES[name]
    assert answer.headers["Content-Security-Policy"] == console.CSP


@pytest.mark.parametrize("name", ["index.html", "secrets.txt", "..%2F..%2Fsettings.py", "%2e%2e", "console.JS", "console.js%00"])
def test_anything_else_is_404(client: Client, name: str) -> None:
    assert client.http.get(f"/console/{name}").status_code == 404


def test_every_file_named_exists() -> None:
    assert all((console.FOLDER / name).is_file() for name in console.TYPES)
