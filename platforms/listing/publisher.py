"""The publisher's details and the listing texts, read from the tracked ``publisher.json``; nothing of it is written in a generator.

A private app needs none of it; a public listing needs a support address, a privacy policy and the rest of
``PUBLIC_LISTING``, so ``make export`` names each one that is still empty.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from platforms.common import ExportError

HERE = Path(__file__).parent
PUBLISHER_FILE = HERE / "publisher.json"
PYPROJECT = HERE.parents[1] / "pyproject.toml"
PUBLIC_LISTING = ("website", "support_email", "privacy_policy_url", "repository", "api_key_url")
_SEMVER = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+$")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class Listing:
    """What a platform's listing shows about the app and its publisher, and the version of this export."""

    name: str
    website: str
    support_email: str
    privacy_policy_url: str
    terms_url: str
    repository: str
    docs_url: str
    api_key_url: str
    brand_color: str
    categories: tuple[str, ...]
    description: str
    long_description: str
    version: str

    def missing(self) -> list[str]:
        """The publisher details a public listing needs that ``publisher.json`` leaves empty."""
        return [key for key in PUBLIC_LISTING if not getattr(self, key)]

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])


def project_version() -> str:
    """The project's own version (pyproject.toml), every export's default."""
    return str(tomllib.loads(PYPROJECT.read_text())["project"]["version"])


def load(version: str | None = None, path: Path = PUBLISHER_FILE) -> Listing:
    """The listing of ``path`` with ``version`` (the project's when None); an unknown or missing key is an error, not a gap."""
    data = json.loads(path.read_text())
    names = {f.name for f in fields(Listing)} - {"version"}
    if set(data) != names:
        raise ExportError(f"{path.name}: keys {sorted(data)} but a listing has {sorted(names)}")
    chosen = version or project_version()
    if not _SEMVER.match(chosen):
        raise ExportError(f"VERSION must be MAJOR.MINOR.PATCH, e.g. 1.2.0 (got {chosen!r})")
    if not _COLOR.match(data["brand_color"]):
        raise ExportError(f"{path.name}: brand_color must be #rrggbb (got {data['brand_color']!r})")
    if not data["name"] or not data["description"]:
        raise ExportError(f"{path.name}: name and description are needed by every app")
    return Listing(**{**data, "categories": tuple(data["categories"])}, version=chosen)
