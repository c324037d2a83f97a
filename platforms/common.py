"""What the generated apps share: the connector URL, the idempotency field, names, and writing the files.

An app is a mapping of relative paths to file contents (``Files``); generating one is a pure
function of the catalog and the URL, so tests can generate from a modified catalog.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from chalicelib.contract.limits import IDEMPOTENCY_FIELD

Files = dict[str, str | bytes]  # text files, and the icons as PNG bytes
Catalog = dict[str, Any]

MANIFEST = ".7stamp-export.json"

API_KEY = {
    "label": "7stamp API key",
    "help": "The API key of your 7stamp location (it starts with `7loc_sc_`). Each location has its own key.",
}

KEY_PLACE = "Stamp Cards → API & Integrations → API Keys"


def key_help(admin_url: str) -> str:
    """The API key's help with a link to where the key is found (Zapier's integration check D002 asks for one)."""
    where = f"[7stamp's admin]({admin_url})" if admin_url else "7stamp's admin"
    return f"{API_KEY['help']} Find it in {where} under {KEY_PLACE}."


IDEMPOTENCY_INPUT: dict[str, Any] = {
    "key": IDEMPOTENCY_FIELD,
    "label": "Idempotency key",
    "help": (
        "Optional: map something unique to this run, such as the order ID. Running again with the "
        "same key changes nothing and returns the first result."
    ),
    "type": "string",
    "required": False,
    "list": False,
}


class ExportError(Exception):
    """The app cannot be generated or written as asked; the message says why."""


def connector_url(url: str) -> str:
    """The connector's base URL without a trailing slash; refuses anything but a plain http(s) origin and path."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ExportError(
            f"URL must be the connector's http(s) address, e.g. https://abc.execute-api.eu-west-1.amazonaws.com/api (got {url!r})"
        )
    return url.strip().rstrip("/")


def action_inputs(action: dict[str, Any]) -> list[dict[str, Any]]:
    """An action's input fields; a create also takes the idempotency key the connector accepts on every write."""
    extra = [IDEMPOTENCY_INPUT] if action["kind"] == "create" else []
    return [*action["input_fields"], *extra]


def words(key: str) -> list[str]:
    """The words of a key such as ``stamp_added`` or ``card-templates``."""
    return [w for w in re.split(r"[_\-\s]+", key) if w]


def pascal(key: str) -> str:
    """``stamp_added`` -> ``StampAdded``."""
    return "".join(w[:1].upper() + w[1:] for w in words(key))


def camel(key: str) -> str:
    """``stamp_added`` -> ``stampAdded``: Make's component names allow letters and digits only."""
    name = pascal(key)
    return name[:1].lower() + name[1:]


def kebab(name: str) -> str:
    """``watchStampAdded`` -> ``watch-stamp-added``, as Make's VS Code extension names component folders."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"-\1", name).lower()


def sentence(label: str) -> str:
    """``Get Analytics Summary`` -> ``Get analytics summary``: sentence case, as Make's and Microsoft's string guidance ask.

    The definitions' labels are title case (Zapier's style); an all-capitals word (``ID``) stays as it is.
    """
    first, *rest = label.split(" ")
    return " ".join([first, *(w if w.isupper() else w.lower() for w in rest)])


_PARTICIPLE = re.compile(r"^[A-Z][a-z]+(ed|Sent|sent)$|^(Sent|Inactive)$")


def when(label: str) -> str:
    """A trigger's label as the moment it fires: ``Stamp Added`` -> ``When a stamp is added``.

    Microsoft's connector string guidance asks trigger summaries to read so.
    """
    head, *rest = sentence(label).split(" ")
    if head == "Any":
        return f"When any {' '.join(rest)} happens"
    subject = head.lower()
    if rest and _PARTICIPLE.match(rest[0].capitalize()):
        return f"When {article(subject)} {subject} is {' '.join(rest)}"
    return f"When {article(subject)} {' '.join([subject, *rest])} comes"


def article(noun: str) -> str:
    """``a`` or ``an`` before ``noun`` (by its first letter, which is right for this app's nouns)."""
    return "an" if noun[:1].lower() in "aeiou" else "a"


def action_phrase(label: str) -> str:
    """``Add Stamp`` -> ``Add a stamp``: a verb and its object in sentence case, as Make's and n8n's guidelines word actions."""
    verb, *rest = sentence(label).split(" ")
    return f"{verb} {article(rest[0])} {' '.join(rest)}" if rest else verb


def plural(noun: str) -> str:
    """``customer`` -> ``customers``, ``card history entry`` -> ``card history entries``."""
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u"):
        return noun[:-1] + "ies"
    if noun.endswith("s") and not noun.endswith("ss"):
        return noun  # already plural (``points``)
    return noun + ("es" if noun.endswith(("ss", "x", "ch", "sh")) else "s")


def to_json(value: Any) -> str:
    """A JSON file's text, indented as Make's VS Code extension writes its files."""
    return json.dumps(value, indent=4, ensure_ascii=False) + "\n"


def write_app(out: Path, platform: str, files: Files) -> None:
    """Write ``files`` under ``out``, replacing an earlier export of the same platform and deleting what it wrote that is gone now.

    A directory that holds anything else is refused, so an export never overwrites someone's work;
    what was added after an export (``node_modules``, ``.zapierapprc``) is kept.
    """
    manifest = out / MANIFEST
    previous: list[str] = []
    if out.exists():
        if not out.is_dir():
            raise ExportError(f"{out} is a file; OUT must be a directory")
        if manifest.exists():
            earlier = json.loads(manifest.read_text())
            if earlier["platform"] != platform:
                raise ExportError(f"{out} holds the {earlier['platform']} app; export the {platform} app into another directory")
            previous = earlier["files"]
        elif any(out.iterdir()):
            raise ExportError(f"{out} is not empty and was not written by an export; choose an empty or new directory")
    for stale in sorted(set(previous) - set(files)):
        _remove(out.resolve(), (out / stale).resolve())
    for relative, content in files.items():
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)
    manifest.write_text(to_json({"platform": platform, "files": sorted(files)}))


def _remove(root: Path, target: Path) -> None:
    """Delete one file an earlier export wrote, and the folders it leaves empty (never anything outside ``root``)."""
    if not target.is_relative_to(root) or not target.is_file():
        return
    target.unlink()
    folder = target.parent
    while folder != root and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
