"""Test data for the contract's own string formats, loaded by schemathesis (SCHEMATHESIS_HOOKS).

``phone`` and ``target-url`` say more than a pattern can (a number valid in its country;
a URL whose host resolves to an address the connector may call), so schemathesis is told
what a valid value looks like, as its docs advise for formats it does not know.
"""

from __future__ import annotations

import base64
import json
import os
from datetime import datetime

import phonenumbers
import schemathesis
from hypothesis import strategies as st

_REGIONS = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "AT", "CH", "PL", "SE", "AU", "CA", "BR", "JP", "IN", "ID", "KR", "MX", "ZA")
_PHONES = [
    phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    for region in _REGIONS
    for number in (phonenumbers.example_number(region), phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE))
    if number is not None
]

schemathesis.openapi.format("phone", st.sampled_from(_PHONES))
schemathesis.openapi.format(
    "future-date-time",
    st.datetimes(min_value=datetime(2100, 1, 1), max_value=datetime(9999, 12, 30)).map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")),
)
# The test stack allows loopback targets (CONNECTOR_ALLOW_PRIVATE_TARGETS=1); nothing listens on this port (above
# Linux's ephemeral range), and it is no well-known service's port, which subscribe refuses.
schemathesis.openapi.format(
    "target-url",
    st.builds(
        lambda path: f"http://127.0.0.1:{os.environ.get('CONTRACT_TARGET_PORT', '65535')}/{path}",
        st.text("abcdefghijklmnopqrstuvwxyz0123456789-", max_size=30),
    ),
)
# A page token is the base64 of an earlier answer's last (cursor, subscription id): well formed, pointing anywhere.
schemathesis.openapi.format(
    "page-token",
    st.builds(
        lambda ms, tail, hook: base64.urlsafe_b64encode(json.dumps([f"{ms:015d}#{tail}", f"hook_{hook}"]).encode()).decode().rstrip("="),
        st.integers(0, 10**15 - 1),
        st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=20),
        st.text("0123456789abcdef", min_size=24, max_size=24),
    ),
)
