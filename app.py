"""The 7stamp connector's Chalice app: it wires routes and event handlers; the logic lives in chalicelib.

The process's services are built here, once, and handed to the routes (``http.use``) and
to the event handlers; ``use`` swaps in a fresh set (the tests and the local stack).
"""

from __future__ import annotations

import logging
from datetime import UTC
from typing import Any

from chalice import Chalice, Rate  # type: ignore[attr-defined]

from chalicelib import container, observability, settings
from chalicelib.api import http
from chalicelib.api.routes import blueprints
from chalicelib.pipeline import handlers

services = container.build(settings.get())  # a missing or bad setting stops the cold start here, naming the variable
observability.setup()
app = Chalice(app_name="sevenstamp-connector")
app.log.setLevel(logging.INFO)
logging.getLogger("connector").setLevel(logging.INFO)

for blueprint in blueprints():
    app.register_blueprint(blueprint)
http.use(services)


def use(fresh: container.Services) -> container.Services:
    """Serve routes and events with another set of services from now on (a test's, a benchmark's or the local stack's)."""
    global services
    services = fresh
    http.use(fresh)
    return fresh


# Chalice needs literal ARNs here; infra/resources.json replaces both event sources'
# EventSourceArn with the real stream and queue of the stage (chalice package --merge-template).
EVENTS_STREAM_PLACEHOLDER = "arn:aws:dynamodb:us-east-1:000000000000:table/sevenstamp-events/stream/2026-01-01T00:00:00.000"
DELIVERY_QUEUE_PLACEHOLDER = "arn:aws:sqs:us-east-1:000000000000:sevenstamp-deliveries"


@app.on_dynamodb_record(stream_arn=EVENTS_STREAM_PLACEHOLDER, batch_size=100, starting_position="TRIM_HORIZON")
def fanout(event: Any) -> dict[str, Any]:
    """Every event stored by the inbound route is fanned out from the table's stream; failures are reported per record."""
    records = [(r.sequence_number, r.event_name, r.new_image, r.timestamp.replace(tzinfo=UTC).timestamp()) for r in event]
    return handlers.fan_out_records(services, records)


@app.on_sqs_message(queue_arn=DELIVERY_QUEUE_PLACEHOLDER, batch_size=10)
def deliver(event: Any) -> dict[str, Any]:
    """POST queued deliveries; failed messages are reported back for SQS to retry (partial batch failure)."""
    return handlers.deliver_messages(services, {record.to_dict()["messageId"]: record.body for record in event})


@app.schedule(Rate(1, unit=Rate.MINUTES))
def sweep(event: Any) -> None:
    """Queue retries that are due later than SQS can delay, and deliveries a crashed worker left behind."""
    handlers.sweep(services)


@app.lambda_function(name="inbound")
def inbound_url(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """7stamp's webhooks through the function's URL (infra/resources.json): the inbound route without API Gateway's price."""
    from chalicelib.api import function_url  # only the inbound function needs it

    return function_url.serve(app, "/inbound/7stamp/{token}", event, context)
