"""Encrypts the API keys the connector must keep (for enrichment) with the stage's KMS key.

A decrypted key is kept in memory for KEY_SECONDS, so enrichment does not ask KMS once per event.
The memory is keyed by (location, blob), so it answers only the question KMS answered: a blob
decrypted for its own location is never handed out for another (issue 23).
"""

from __future__ import annotations

import hashlib
import threading
import time

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.aws import AwsClients
from chalicelib.errors import UpstreamError

KEY_SECONDS = 300.0


class KeyVault:
    """KMS encryption of API keys under one key (KMS_KEY_ID), bound to their location."""

    def __init__(self, clients: AwsClients, key_id: str) -> None:
        self._clients = clients
        self._key_id = key_id
        self._plain: dict[tuple[str, str], tuple[float, str]] = {}  # (location, sha256 of a blob) -> (kept until, its key)
        self._lock = threading.Lock()

    def encrypt(self, api_key: str, location_id: str) -> bytes:
        """Ciphertext bound to the location by the encryption context, so a blob cannot be moved to another."""
        try:
            answer = self._clients.client("kms").encrypt(
                KeyId=self._key_id, Plaintext=api_key.encode(), EncryptionContext={"location_id": location_id}
            )
        except (BotoCoreError, ClientError) as exc:
            raise UpstreamError("The connector's key store is unavailable") from exc
        return bytes(answer["CiphertextBlob"])

    def decrypt(self, blob: bytes, location_id: str) -> str:
        """The key in ``blob``, from memory when this vault decrypted it for ``location_id`` within KEY_SECONDS."""
        digest = (location_id, hashlib.sha256(blob).hexdigest())
        with self._lock:
            kept = self._plain.get(digest)
        if kept and kept[0] > time.monotonic():
            return kept[1]
        try:
            answer = self._clients.client("kms").decrypt(CiphertextBlob=blob, EncryptionContext={"location_id": location_id})
        except (BotoCoreError, ClientError) as exc:
            raise UpstreamError("The connector's key store is unavailable") from exc
        key = bytes(answer["Plaintext"]).decode()
        with self._lock:
            self._plain[digest] = (time.monotonic() + KEY_SECONDS, key)
        return key
