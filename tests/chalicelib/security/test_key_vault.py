"""The key vault's memory keeps KMS's binding of a key to its location (issue 23.7)."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from chalicelib.aws import AwsClients
from chalicelib.errors import UpstreamError
from chalicelib.security.key_vault import KeyVault


@pytest.fixture
def vault(monkeypatch: pytest.MonkeyPatch) -> Iterator[KeyVault]:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)  # moto in this process, not the session's server
    for name, value in {"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        key_id = boto3.client("kms").create_key()["KeyMetadata"]["KeyId"]
        yield KeyVault(AwsClients(), key_id)


def test_a_key_decrypted_for_its_location_is_not_handed_to_another(vault: KeyVault) -> None:
    blob = vault.encrypt("7loc_sc_aaaaaaaaaaaaaaaa", "loc_a")
    assert vault.decrypt(blob, "loc_a") == "7loc_sc_aaaaaaaaaaaaaaaa"  # now in memory for loc_a
    with pytest.raises(UpstreamError):
        vault.decrypt(blob, "loc_b")  # KMS refuses the other context; the memory must not answer for it
    assert vault.decrypt(blob, "loc_a") == "7loc_sc_aaaaaaaaaaaaaaaa"


def test_a_blob_for_another_location_is_refused_before_any_was_remembered(vault: KeyVault) -> None:
    blob = vault.encrypt("7loc_sc_bbbbbbbbbbbbbbbb", "loc_a")
    with pytest.raises(UpstreamError):
        vault.decrypt(blob, "loc_b")
