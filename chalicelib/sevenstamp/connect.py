"""Connecting a location: register the connector's inbound URL with 7stamp once, keep its signing secret.

Runs on a location's first authenticated call (a key-cache miss). A conditional claim
in the store makes concurrent first calls register once; the 7stamp call carries an
idempotency key derived from the claim's token, so a retry after a crash does not
register a second endpoint either.
"""

from __future__ import annotations

import logging
import secrets

from chalicelib.container import Services
from chalicelib.errors import ConnectorError
from chalicelib.sevenstamp.client import SevenStampClient
from chalicelib.store.records import ConnectionStatus, Tenant

log = logging.getLogger(__name__)


def inbound_url(services: Services, token: str) -> str:
    """The location's address at the connector's inbound door (CONNECTOR_INBOUND_URL: the function URL on AWS)."""
    return f"{services.settings.inbound_url}/inbound/7stamp/{token}"


def ensure_connected(services: Services, tenant: Tenant, api_key: str, client: SevenStampClient) -> bool:
    """Make sure 7stamp sends this location's events to us, and keep the key (encrypted) for enrichment.

    False when registering failed: the caller's request goes on, and the next call tries again.
    """
    store = services.locations
    connection = store.get(tenant.location_id)
    if connection is None or connection.status is not ConnectionStatus.CONNECTED:
        token = store.claim(tenant.location_id, f"{tenant.location_id}.{secrets.token_urlsafe(32)}")
        if token is not None:
            try:
                webhook = client.create_webhook(
                    inbound_url(services, token), ["*"], idempotency_key=f"connect-{tenant.location_id}-{token[:16]}"
                )
            except ConnectorError as exc:
                log.warning("connecting location %s to 7stamp failed: %s", tenant.location_id, exc.message)
                return False
            store.complete(tenant.location_id, str(webhook["id"]), str(webhook["secret"]))
    store.set_key_blob(tenant.location_id, services.key_vault.encrypt(api_key, tenant.location_id))
    return True
