"""Who is calling: the API key from the request, checked for format before any call, mapped to its location.

The key is never logged or echoed (``mask`` shows at most its first characters), is
cached only as a SHA-256 hash for KEY_CACHE_SECONDS, and is kept KMS-encrypted for the
calls the connector makes without a request in hand.
"""

from __future__ import annotations

from collections.abc import Mapping

from chalicelib.container import Services
from chalicelib.contract.limits import API_KEY_RE
from chalicelib.errors import Forbidden, Unauthorized
from chalicelib.settings import Settings
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


def check_allowed(settings: Settings, location_id: str, business_id: str) -> None:
    """403 unless this stage serves the location and its business (CONNECTOR_ALLOWED_LOCATIONS / _BUSINESSES; unset = all).

    An agency's stage serves one client: any other 7stamp key authenticates at 7stamp, so
    without this it could register a webhook and store data in the client's stage.
    """
    if settings.allowed_locations and location_id not in settings.allowed_locations:
        raise Forbidden(f"This connector serves only its own client's locations; location {location_id} is not one of them")
    if settings.allowed_businesses and business_id not in settings.allowed_businesses:
        raise Forbidden(f"This connector serves only its own client's businesses; business {business_id} is not one of them")


def authenticate(services: Services, api_key: str) -> Tenant:
    """The key's location: from the cache, else from 7stamp's /v1/me (which also connects the location, if this stage serves it)."""
    digest = keys.key_hash(api_key)
    cache = services.key_cache
    tenant = cache.get(digest)
    if tenant is not None:
        check_allowed(services.settings, tenant.location_id, tenant.business_id)  # the cache may predate the setting
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
    check_allowed(services.settings, tenant.location_id, tenant.business_id)  # before anything is registered or stored
    connected = connect.ensure_connected(services, tenant, api_key, client)
    if connected:
        cache.put(digest, tenant)
    return tenant
