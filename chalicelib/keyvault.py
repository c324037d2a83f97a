"""Encrypts the API keys the connector must keep (for enrichment) with the stage's KMS key."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib import aws
from chalicelib.errors import UpstreamError


def encrypt(key_id: str, api_key: str, location_id: str) -> bytes:
    """Ciphertext bound to the location by the encryption context, so a blob cannot be moved to another."""
    try:
        answer = aws.client("kms").encrypt(KeyId=key_id, Plaintext=api_key.encode(), EncryptionContext={"location_id": location_id})
    except (BotoCoreError, ClientError) as exc:
        raise UpstreamError("The connector's key store is unavailable") from exc
    return bytes(answer["CiphertextBlob"])


def decrypt(blob: bytes, location_id: str) -> str:
    try:
        answer = aws.client("kms").decrypt(CiphertextBlob=blob, EncryptionContext={"location_id": location_id})
    except (BotoCoreError, ClientError) as exc:
        raise UpstreamError("The connector's key store is unavailable") from exc
    return bytes(answer["Plaintext"]).decode()
