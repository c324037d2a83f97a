"""Event names as callers type them: canonical names pass, others get a suggestion.

7stamp's manual is machine-translated and mangles identifiers (``kartu_diterbitkan``,
``스탬프_added``); those aliases live in the trigger definitions, and a misspelt name is
matched by similarity or by a shared word.
"""

from __future__ import annotations

import unicodedata

from chalicelib.contract import registry
from chalicelib.errors import ValidationFailed


def suggest(name: str) -> str | None:
    """The canonical name the caller most likely meant, if any."""
    lowered = name.strip().lower().replace("-", "_").replace(" ", "_")
    triggers = registry.triggers()
    if lowered in triggers:
        return lowered
    for key, definition in triggers.items():
        if lowered in definition.aliases:
            return key
    import difflib

    close = difflib.get_close_matches(lowered, list(triggers), n=1, cutoff=0.6)
    if close:
        return close[0]
    words = set(lowered.split("_"))
    scored = sorted(((len(words & set(key.split("_"))), key) for key in triggers if key != registry.ANY_EVENT), reverse=True)
    if scored and scored[0][0] > 0 and (len(scored) == 1 or scored[0][0] > scored[1][0]):
        return scored[0][1]
    return None


def canonical(name: object, field: str = "event") -> str:
    """The name itself when it is one of the triggers' keys; else 422 with a suggestion."""
    if isinstance(name, str) and name in registry.triggers():
        return name
    guess = suggest(name) if isinstance(name, str) else None
    hint = f"did you mean {guess!r}?" if guess else "see GET /v1/options/events for the names"
    reason = f"is not a 7stamp event name; {hint}"
    raise ValidationFailed(f"{field} {reason}", fields={field: reason, **({"suggestion": guess} if guess else {})})


def inbound(name: str) -> str:
    """An event name 7stamp sent, as the connector stores it: a trigger's key when the name is exactly one after NFKC
    and case folding (``STAMP_ADDED``, fullwidth ``ｓｔａｍｐ＿ａｄｄｅｄ``), else the name as sent.

    Nothing is guessed: a name that only resembles a key (a zero-width space inside, a
    translated alias) stays as it came, so it reaches subscribers of ``any`` and no one else,
    and never fires a trigger its sender did not name.
    """
    folded = unicodedata.normalize("NFKC", name).casefold()
    return folded if folded in registry.triggers() and folded != registry.ANY_EVENT else name
