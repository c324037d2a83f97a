"""The local stack's request lines: short, and without what must not land in a log."""

from __future__ import annotations

from stack.connector import shown_path


def test_a_plain_path_is_shown_as_is() -> None:
    assert shown_path("/v1/triggers/stamp_added") == "/v1/triggers/stamp_added"


def test_the_query_is_left_out_as_it_may_hold_an_email() -> None:
    assert shown_path("/v1/searches/customer?email=ada%40demo.example") == "/v1/searches/customer"


def test_the_inbound_token_is_cut_short_as_it_is_a_credential() -> None:
    assert shown_path("/inbound/7stamp/8WZWR7y7VXrsVLu0wVvnSFptcsmCSsYQyJmBrsBeeN8") == "/inbound/7stamp/8WZW…"
