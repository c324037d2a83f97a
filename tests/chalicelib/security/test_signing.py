"""Standard Webhooks signing: what the connector signs verifies, and any change to body, id or time is a 401."""

from __future__ import annotations

import time

import pytest

from chalicelib.errors import Unauthorized
from chalicelib.security import signing


def test_a_signed_body_verifies_and_a_new_secret_has_the_standard_form() -> None:
    secret = signing.new_secret()
    assert secret.startswith("whsec_") and secret != signing.new_secret()
    headers = signing.headers(secret, "msg_1", int(time.time()), '{"a":1}')
    signing.verify(secret, b'{"a":1}', headers)


@pytest.mark.parametrize(
    ("body", "change"),
    [
        (b'{"a":2}', {}),
        (b'{"a":1}', {"webhook-id": "msg_2"}),
        (b'{"a":1}', {"webhook-timestamp": str(int(time.time()) - 600)}),
        (b'{"a":1}', {"webhook-signature": "v1,AAAA"}),
        (b'{"a":1}', {"webhook-signature": ""}),
    ],
)
def test_a_changed_body_id_time_or_signature_is_refused(body: bytes, change: dict[str, str]) -> None:
    secret = signing.new_secret()
    headers = {**signing.headers(secret, "msg_1", int(time.time()), '{"a":1}'), **change}
    with pytest.raises(Unauthorized):
        signing.verify(secret, body, headers)


def test_another_secret_is_refused() -> None:
    headers = signing.headers(signing.new_secret(), "msg_1", int(time.time()), "{}")
    with pytest.raises(Unauthorized):
        signing.verify(signing.new_secret(), b"{}", headers)
