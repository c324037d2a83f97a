"""The operator console: one static page and its script and style, served from ``chalicelib/console``.

No key is needed to load them (the page asks for it and sends it as a header to the API
routes). The Content-Security-Policy allows nothing but this connector's own files and
API: no inline script, no CDN, no frames.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from chalice import Blueprint, Response  # type: ignore[attr-defined]

from chalicelib.api.http import Call, endpoint
from chalicelib.errors import NotFound

bp = Blueprint(__name__)

FOLDER = Path(__file__).resolve().parent.parent / "console"
TYPES = {
    "index.html": "text/html; charset=utf-8",
    "console.js": "text/javascript; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",
}


@lru_cache(maxsize=len(TYPES))
def _read(name: str) -> str:
    return (FOLDER / name).read_text(encoding="utf-8")


def _file(name: str) -> Response:
    return Response(body=_read(name), status_code=200, headers={"Content-Type": TYPES[name], **HEADERS})


@endpoint(bp, "/console", ["GET"], authenticated=False)
def page(call: Call) -> Response:
    return _file("index.html")


@endpoint(bp, "/console/{asset}", ["GET"], authenticated=False, errors=(404,))
def asset(call: Call) -> Response:
    name = call.params["asset"]
    if name not in TYPES or name == "index.html":
        raise NotFound("No such file of the console")
    return _file(name)
