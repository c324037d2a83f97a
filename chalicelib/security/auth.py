"""Who is calling: the API key from the request, checked for format before any call, mapped to its location.

The key is never logged or echoed (``mask`` shows at most its first characters), is
cached only as a SHA-256 hash for KEY_CACHE_SECONDS, and is kept KMS-encrypted for the
calls the connector makes without a request in hand.
"""

from __future__ import annotations

from collections.abc import Mapping

from chalicelib.container import Services
from chalicelib.contract.limits import API_KEY_RE
from chalicelib.errors import Unauthorized
from chalicelib.sevenstamp import connect
from chalicelib.store import keys
from chalicelib.store.records import Tenant


def mask(api_key: str) -> str:
    """A loggable hint of a key: ``7loc_sc_ab12…``."""
    return api_key[:12] + "…"


def key_from_headers(headers: Mapping[str, str]) -> str:
    """The key in ``X-API-Key`` or ``Authorization: Bearer``; 401 when absent or malformed."""
    lowered = {k.lower(): v for k, v in headers.items()}
    api_key = lowered.get("x-api-key", "").strip()
    if not api_key:
        scheme, _, value = lowered.get("authorization", "").strip().partition(" ")
        if scheme.lower() == "bearer":
            api_key = value.strip()
    if not api_key:
        raise Unauthorized("Send your 7stamp API key in the X-API-Key header")
    if not API_KEY_RE.fullmatch(api_key):
        raise Unauthorized("That is not a 7stamp API key: keys start with 7loc_sc_ followed by 16-128 letters, digits, _ or -")
    return api_key


def authenticate(services: Services, api_key: str) -> Tenant:
    """The key's location: from the cache, else from 7stamp's /v1/me (which also connects the location)."""
    digest = keys.key_hash(api_key)
    cache = services.key_cache
    tenant = cache.get(digest)
    if tenant is not None:
        return tenant
    client = services.sevenstamp(api_key)
    me = client.me()
    tenant = Tenant(
        location_id=str(me["location_id"]),
        location_name=str(me.get("location_name") or ""),
        business_id=str(me.get("business_id") or ""),
        business_name=str(me.get("business_name") or ""),
        staff_login=str(me.get("staff_login") or ""),
    )
    connected = connect.ensure_connected(services, tenant, api_key, client)
    if connected:
        cache.put(digest, tenant)
    return tenant
