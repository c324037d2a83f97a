"""Encrypts the API keys the connector must keep (for enrichment) with the stage's KMS key."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.aws import AwsClients
from chalicelib.errors import UpstreamError


class KeyVault:
    """KMS encryption of API keys under one key (KMS_KEY_ID), bound to their location."""

    def __init__(self, clients: AwsClients, key_id: str) -> None:
        self._clients = clients
        self._key_id = key_id

    def encrypt(self, api_key: str, location_id: str) -> bytes:
        """Ciphertext bound to the location by the encryption context, so a blob cannot be moved to another."""
        try:
            answer = self._clients.client("kms").encrypt(KeyId=self._key_id, Plaintext=api_key.encode(), EncryptionContext={"location_id": location_id})
        except (BotoCoreError, ClientError) as exc:
            raise UpstreamError("The connector's key store is unavailable") from exc
        return bytes(answer["CiphertextBlob"])

    def decrypt(self, blob: bytes, location_id: str) -> str:
        try:
            answer = self._clients.client("kms").decrypt(CiphertextBlob=blob, EncryptionContext={"location_id": location_id})
        except (BotoCoreError, ClientError) as exc:
            raise UpstreamError("The connector's key store is unavailable") from exc
        return bytes(answer["Plaintext"]).decode()
