"""The ready-made scenarios every app ships beside it, declared once and rendered by each platform's generator.

A scenario is a trigger and steps. A step is this app's (``app`` is None: ``operation`` is a trigger or action
key of the definitions) or another app's, named per platform in ``ids`` (Make's module, n8n's node type,
Power Automate's connector and operation, Zapier's app and action in words). Field values are text in which
``{N:path}`` maps the output ``path`` of step N (0 is the trigger); each platform writes it in its own syntax.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

REFERENCE = re.compile(r"\{([0-9]+):([a-z_.]+)\}")


@dataclass(frozen=True)
class Step:
    """One step; ``operation`` is the definitions' key for this app's steps, words for another app's."""

    operation: str
    fields: dict[str, object] = field(default_factory=dict)
    app: str | None = None
    ids: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Scenario:
    slug: str
    title: str
    description: str
    trigger: Step
    steps: tuple[Step, ...]

    @property
    def all_steps(self) -> tuple[Step, ...]:
        return (self.trigger, *self.steps)


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        slug="voucher-redeemed-tag-contact",
        title="Tag the contact in Mailchimp when a voucher is redeemed",
        description="When a customer redeems a voucher or reward, tag their contact so your emails know they came back.",
        trigger=Step("voucher_redeemed"),
        steps=(
            Step(
                "Add a tag to a member",
                {"email": "{0:customer.email}", "tags": "voucher redeemed"},
                app="Mailchimp",
                ids={"make": "mailchimp:addTagsToMember", "n8n": "n8n-nodes-base.mailchimp", "powerautomate": "shared_mailchimp/AddMember"},
            ),
        ),
    ),
    Scenario(
        slug="goal-reached-notify-slack",
        title="Tell your team in Slack when a customer completes a card",
        description="When a customer collects every stamp on their card, post a message to a Slack channel.",
        trigger=Step("goal_reached"),
        steps=(
            Step(
                "Send a channel message",
                {"channel": "#loyalty", "text": "{0:customer.name} completed a card ({0:card.stamps_required} stamps)."},
                app="Slack",
                ids={"make": "slack:CreateMessage", "n8n": "n8n-nodes-base.slack", "powerautomate": "shared_slack/PostMessageV2"},
            ),
        ),
    ),
    Scenario(
        slug="birthday-crm-task",
        title="Create a HubSpot task when a customer's birthday comes",
        description="On a customer's birthday, create a task in your CRM to call them or send a personal message.",
        trigger=Step("birthday_reached"),
        steps=(
            Step(
                "Create a task",
                {"subject": "Birthday: call {0:customer.name}", "body": "Phone {0:customer.phone}, email {0:customer.email}."},
                app="HubSpot",
                ids={"make": "hubspotcrm:createTask", "n8n": "n8n-nodes-base.hubspot", "powerautomate": "shared_hubspot/CreateTask"},
            ),
        ),
    ),
    Scenario(
        slug="web-order-stamps",
        title="Add stamps for a paid Shopify order and send the wallet link",
        description=(
            "When a web order is paid, add a stamp for the shopper (issuing their card if they have none) "
            "and email them the link that puts the card in their wallet."
        ),
        trigger=Step(
            "Order paid",
            app="Shopify",
            ids={"make": "shopify:watchOrders", "n8n": "n8n-nodes-base.shopifyTrigger", "powerautomate": "shared_shopify/OnOrderPaid"},
        ),
        steps=(
            Step(
                "add_stamp",
                {
                    "email": "{0:email}",
                    "count": 1,
                    "comment": "Web order {0:name}",
                    "issue_card_if_missing": True,
                    "name": "{0:customer.first_name}",
                },
            ),
            Step(
                "Send an email",
                {"to": "{0:email}", "subject": "Your loyalty card", "body": "Your card now holds {1:stamps} stamps: {1:wallet_url}"},
                app="Gmail",
                ids={"make": "google-email:sendAnEmail", "n8n": "n8n-nodes-base.gmail", "powerautomate": "shared_gmail/SendEmailV2"},
            ),
        ),
    ),
)


def fill(value: object, reference: Callable[[int, str], str]) -> object:
    """A field's value with each ``{N:path}`` written as ``reference(N, path)``; a value that is not text is kept."""
    if not isinstance(value, str):
        return value
    return REFERENCE.sub(lambda m: reference(int(m.group(1)), m.group(2)), value)


def references(scenario: Scenario) -> list[tuple[int, int, str]]:
    """Every ``(step using it, step N, path)`` of a scenario, for the tests that check each path exists."""
    return [
        (index, int(m.group(1)), m.group(2))
        for index, step in enumerate(scenario.all_steps)
        for value in step.fields.values()
        if isinstance(value, str)
        for m in REFERENCE.finditer(value)
    ]
