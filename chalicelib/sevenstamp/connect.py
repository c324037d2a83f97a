"""Connecting a location: register the connector's inbound URL with 7stamp once, keep its signing secret, keep it working.

Runs on a location's first authenticated call (a key-cache miss). A conditional claim
in the store makes concurrent first calls register once; the 7stamp call carries an
idempotency key derived from the claim's token, so a retry after a crash does not
register a second endpoint either.

The registration can disappear at 7stamp (deleted in its admin, gone with a revoked key,
given up after days of failures), and then nothing would ever arrive again. So it is
checked when a subscription is created (with the caller's key) and once an hour per
location (``check_scheduled``, from the sweeper: each location has a minute of the hour,
so the checks are spread out, and a conditional write takes each check once). When it is
gone, it is registered again once: a claim keyed by the lost registration's id, and a
7stamp idempotency key derived from that id.

The stored key (for calls without a request in hand) is dead once 7stamp answers 401 to
it: no call is made with it again, and the key cache forgets every key of the location,
so the next call with a working key asks 7stamp and replaces it.
"""

from __future__ import annotations

import hashlib
import logging
import secrets

from chalicelib import observability
from chalicelib.container import Services
from chalicelib.errors import ConnectorError, Unauthorized
from chalicelib.sevenstamp.client import SevenStampClient
from chalicelib.store.keys import key_hash
from chalicelib.store.locations import SLOTS
from chalicelib.store.records import Connection, ConnectionStatus, Tenant

log = logging.getLogger("connector.connect")

CHECK_EVERY = 3600.0 - 120.0  # the next check is due a little before the location's minute comes round again
LIST_LIMIT = 100  # the one page of 7stamp's webhook list the check reads (SevenStampClient.list_webhooks)


def inbound_url(services: Services, token: str) -> str:
    """The location's address at the connector's inbound door (CONNECTOR_INBOUND_URL: the function URL on AWS)."""
    return f"{services.settings.inbound_url}/inbound/7stamp/{token}"


def slot_of(location_id: str) -> int:
    """The minute of the hour of the location's registration check: a hash, so locations spread evenly."""
    return int(hashlib.sha256(location_id.encode()).hexdigest()[:8], 16) % SLOTS


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
    replacing = connection is not None and connection.key_dead
    store.set_key_blob(tenant.location_id, services.key_vault.encrypt(api_key, tenant.location_id), key_hash(api_key), replacing=replacing)
    if replacing:
        log.warning("location %s: a working key replaces the stored key 7stamp refused", tenant.location_id)
    if connection is None or not connection.scheduled:
        store.enrol(tenant.location_id, slot_of(tenant.location_id))
    return True


def stored_key(services: Services, connection: Connection) -> str | None:
    """The location's stored key, decrypted, for a call without a request in hand; None when there is none or it is dead."""
    if connection.key_blob is None or connection.key_dead:
        return None
    return services.key_vault.decrypt(connection.key_blob, connection.location_id)


def key_refused(services: Services, connection: Connection) -> None:
    """7stamp answered 401 to the stored key: mark it dead (once) and forget the location's cached keys."""
    if connection.key_blob is None:
        return
    forget = services.locations.mark_key_dead(connection.location_id, connection.key_blob)
    if forget is None:
        return  # replaced meanwhile, or another worker marked it
    services.key_cache.forget(forget)
    observability.metric("EnrichmentKeyRevoked")
    log.warning("7stamp refused the stored key of location %s; no call is made with it until a working key is used", connection.location_id)


def check_registration(services: Services, connection: Connection, client: SevenStampClient) -> bool:
    """Whether 7stamp still holds the location's registration (one call); when it is gone, register again, once.

    Raises ConnectorError when 7stamp cannot be asked (the next check tries again).
    """
    lost = connection.webhook_id
    if connection.status is not ConnectionStatus.CONNECTED or not lost:
        return True
    held = client.list_webhooks()
    if any(str(w.get("id")) == lost for w in held) or len(held) >= LIST_LIMIT:
        return True  # present (or not on the one page read: not known to be gone)
    location_id = connection.location_id
    if not services.locations.claim_heal(location_id, lost):
        return False  # another check is registering it again, or has done so
    log.warning("7stamp no longer holds the webhook registration of location %s; registering again", location_id)
    webhook = client.create_webhook(inbound_url(services, connection.token), ["*"], idempotency_key=f"reconnect-{location_id}-{lost}"[:255])
    services.locations.healed(location_id, lost, str(webhook["id"]), str(webhook["secret"]))
    observability.metric("RegistrationRestored")
    return False


def check_on_subscribe(services: Services, location_id: str, api_key: str) -> None:
    """A new subscription is useless if 7stamp sends nothing: check the registration with the caller's key."""
    connection = services.locations.get(location_id)
    if connection is None:
        return
    try:
        with services.sevenstamp(api_key) as client:
            check_registration(services, connection, client)
    except ConnectorError as exc:
        log.warning("the registration of location %s could not be checked: %s", location_id, exc.message)


def check_scheduled(services: Services) -> int:
    """The hourly checks of this minute's locations, with their stored keys (one 7stamp call each); returns how many ran.

    A location whose stored key is dead is skipped (its health says so); a 401 marks the key dead. A location that
    cannot be checked now (7stamp or the store failing) waits for its next hour; the others go on.
    """
    slot = int(services.clock.now() // 60) % SLOTS
    checked = 0
    for location_id in services.locations.in_slot(slot):
        try:
            connection = services.locations.take_check(location_id, CHECK_EVERY)
            api_key = stored_key(services, connection) if connection is not None else None
            if connection is None or api_key is None:
                continue
            checked += 1
            with services.sevenstamp(api_key, max_attempts=1) as client:
                check_registration(services, connection, client)
        except Unauthorized:
            if connection is not None:
                key_refused(services, connection)
        except ConnectorError as exc:
            log.warning("the registration of location %s could not be checked: %s", location_id, exc.message)
    return checked
