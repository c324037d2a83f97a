"""What enrichment merges into an event (pure functions over a profile; no store, no 7stamp)."""

from __future__ import annotations

from typing import Any

from chalicelib.pipeline import customer_details
from chalicelib.pipeline.customer_details import CUSTOMER_FIELDS
from chalicelib.store.profiles import CustomerProfile

CONTACT = {"email": "zoe@example.com", "phone": "+14155550199", "name": "Zoë", "birthday": "1990-05-11"}
CARD = {"stamps": 3, "stamps_required": 10, "template_id": "tpl_coffee", "goal_index": 0, "status": "active", "wallet_url": "https://w"}


def profile(**cards: dict[str, Any]) -> CustomerProfile:
    return CustomerProfile("loc_a", "cus_1", CONTACT, cards or {"card_1": CARD}, fetched_at=1000.0)


def payload(card: dict[str, Any] | None = None, **more: Any) -> dict[str, Any]:
    return {"event": "card_opened", "customer": {"id": "cus_1", "language": "en"}, "card": card or {"id": "card_1"}, **more}


def test_the_contact_fields_and_the_cards_details_are_merged_the_events_own_values_win():
    event = payload({"id": "card_1", "stamps": 4, "goal_index": 0})
    merged = customer_details.outcome(event, profile(), fetched=True, retry=False)
    assert merged.enriched and not merged.retry
    assert {k: merged.record["customer"][k] for k in CUSTOMER_FIELDS} == CONTACT and merged.record["customer"]["language"] == "en"
    assert merged.record["card"]["stamps"] == 4  # the event's own progress, newer than the profile's
    assert merged.record["card"]["wallet_url"] == "https://w" and merged.record["card"]["template_id"] == "tpl_coffee"
    assert event["customer"] == {"id": "cus_1", "language": "en"}  # the payload itself is not changed


def test_a_goal_reached_since_the_profile_leaves_the_card_out_unless_it_was_just_fetched():
    event = payload({"id": "card_1", "goal_index": 1})
    cached = customer_details.outcome(event, profile(), fetched=False, retry=True)
    assert not cached.enriched and cached.retry and "stamps" not in cached.record["card"]
    fetched = customer_details.outcome(event, profile(), fetched=True, retry=False)
    assert fetched.enriched and fetched.record["card"]["goal_index"] == 1  # the event's goal index wins


def test_without_a_profile_nothing_is_merged_and_retry_says_whether_later_could_do_better():
    event = payload()
    assert customer_details.outcome(event, None, fetched=False, retry=True) == customer_details.Enrichment(event, False, True)
    assert customer_details.outcome(event, None, fetched=False, retry=False).retry is False


def test_an_event_without_a_usable_card_id_needs_only_its_customer():
    event = payload({"goal_index": 0})
    merged = customer_details.outcome(event, profile(), fetched=False, retry=True)
    assert merged.enriched and merged.record["card"] == {"goal_index": 0}


def test_customer_ids_that_cannot_be_keys_are_not_looked_up():
    assert customer_details.customer_id(payload()) == "cus_1"
    for customer in ("cus_1", {"id": ""}, {"id": 42}, {"id": "x" * 201}, None):
        assert customer_details.customer_id({"customer": customer}) is None


def test_a_profile_from_7stamps_customer_keeps_only_the_contact_fields_and_each_cards_details():
    found = {**CONTACT, "id": "cus_1", "secret_note": "no", "cards": [{**CARD, "id": "card_1", "extra": 1}, "not a card", {"no": "id"}]}
    made = customer_details.profile_from("loc_a", "cus_1", found, fetched_at=5.0)
    assert made.contact == CONTACT and set(made.cards) == {"card_1"}
    assert made.cards["card_1"] == CARD and made.fetched_at == 5.0
