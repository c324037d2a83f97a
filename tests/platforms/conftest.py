"""Generated apps for the platform tests: one for a fixed public URL, one for the local stack's connector."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from zapier_runner import ZapierRunner

from chalicelib.contract import catalog
from platforms.common import write_app
from platforms.make import generate as make_generator
from platforms.zapier import generate as zapier_generator

PUBLIC_URL = "https://connector.example.com/api"


@pytest.fixture(scope="session")
def zapier_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Zapier app for a public connector URL, written as `make export` writes it."""
    out = tmp_path_factory.mktemp("zapier") / "app"
    write_app(out, "zapier", zapier_generator.generate(catalog.catalog(), PUBLIC_URL))
    return out


@pytest.fixture(scope="session")
def make_files() -> dict[str, str]:
    return make_generator.generate(catalog.catalog(), PUBLIC_URL)


@pytest.fixture(scope="session")
def zapier(zapier_app: Path) -> Iterator[ZapierRunner]:
    runner = ZapierRunner(zapier_app)
    yield runner
    runner.close()


@pytest.fixture(scope="session")
def live_zapier(connector_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ZapierRunner]:
    """The Zapier app for the local stack's connector, run by zapier-platform-core."""
    out = tmp_path_factory.mktemp("zapier-live") / "app"
    write_app(out, "zapier", zapier_generator.generate(catalog.catalog(), connector_server))
    runner = ZapierRunner(out)
    yield runner
    runner.close()
