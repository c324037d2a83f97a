"""A failed delivery attempt's error in words an operator can act on: refused, timed out, TLS, or cut off.

The console and ``GET /v1/hooks/{id}/deliveries`` show this text as the attempt's error,
so "connection failed: ConnectError" becomes "connection refused: nothing accepts
connections at 203.0.113.7:443". httpx wraps the socket's or TLS's own error; the cause
chain says which it was.
"""

from __future__ import annotations

import errno
import ssl

import httpx

_REFUSED = {errno.ECONNREFUSED}
_UNREACHABLE = {errno.EHOSTUNREACH, errno.ENETUNREACH}
_RESET = {errno.ECONNRESET, errno.EPIPE}


def _causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


TIMED_OUT = "timed out"


def hung(error: str | None) -> bool:
    """Whether an attempt's error says it took the whole delivery timeout (the expensive kind: the breaker opens at once)."""
    return error is not None and error.startswith(TIMED_OUT)


def describe(exc: httpx.HTTPError) -> str:
    """The words for one attempt's transport error (an answer with a status is not an error)."""
    chain = _causes(exc)
    tls = next((c for c in chain if isinstance(c, ssl.SSLError)), None)
    if tls is not None or any("SSL" in str(c) or "CERTIFICATE" in str(c) for c in chain):
        reason = getattr(tls, "reason", None) or getattr(tls, "verify_message", None) or str(tls or exc)
        return f"TLS failed: {str(reason).lower().replace('_', ' ')[:200]}"
    codes = {c.errno for c in chain if isinstance(c, OSError) and c.errno is not None}
    text = " ".join(str(c) for c in chain).lower()
    if isinstance(exc, httpx.ConnectTimeout):
        return f"{TIMED_OUT} connecting: the address did not answer"
    if isinstance(exc, httpx.TimeoutException):
        return TIMED_OUT
    if codes & _REFUSED or "connection refused" in text:
        return "connection refused: nothing accepts connections at that address and port"
    if codes & _UNREACHABLE or "unreachable" in text:
        return "connection failed: the address cannot be reached from here"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "connection closed by the subscriber before a complete answer"
    if codes & _RESET or "reset by peer" in text:
        return "connection reset by the subscriber"
    return f"connection failed: {type(exc).__name__}"
