"""AWS calls and cost per event and per API call, counted on the real handlers against moto.

Everything runs in this process on 127.0.0.1: moto's server (DynamoDB, streams, SQS,
KMS) with the tables of infra/resources.json, the 7stamp sandbox, the connector's API
behind Chalice's local server, and the local stack's worker feeding ``app.fanout`` and
``app.deliver`` as Lambda's event sources would. Each event is a real sandbox webhook
(``stamp_added``, body and signature as 7stamp sends them), caught on a loopback
receiver and handed to the inbound function (``app.inbound_url``, the function-URL
door) when the bench is ready to count. Location A has 1 subscriber, location B has
SUBSCRIBERS.

``benchmarks._meter`` counts every AWS call by operation and the DynamoDB units it
consumes. The calls Lambda's event sources make on AWS (here the worker reading the
stream, receiving and deleting queue messages) are told apart from the handlers' by
operation name (EVENT_SOURCE_OPS), so a refactor of the pipeline changes the figures,
not the bench; of them only SQS is billed.

Figures are for warm functions: one event per location went through first, so the KMS
decryption of a location's key (cached in the function) is not in them. Lambda time is
the handlers' wall time here, against moto: a stand-in for AWS's. The exit status is 0
when every delivery arrived, enriched; the goals are printed beside the figures, not
enforced.
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from benchmarks._local import free_port, use_endpoint
from benchmarks._meter import Meter, Usage

# us-east-1 on-demand prices, dollars per million (GB-seconds: per million GB-s)
PRICES = {
    "API Gateway REST API request": 3.50,
    "API Gateway HTTP API request": 1.00,
    "Lambda function URL request": 0.00,
    "Lambda request": 0.20,
    "Lambda GB-second": 16.6667,
    "DynamoDB write request unit": 0.625,
    "DynamoDB read request unit": 0.125,
    "DynamoDB Streams read by a Lambda trigger": 0.00,
    "SQS request": 0.40,
    "KMS request": 3.00,  # $0.03 per 10,000
}
LAMBDA_GB = 0.5  # lambda_memory_size 512 in .chalice/config.json
GOAL_CALLS_ONE, GOAL_CALLS_EXTRA, GOAL_DOLLARS = 6, 1.0, 5.0
SUBSCRIBERS = 10
# what Lambda's event sources do on AWS (read the stream, receive and delete queue messages), not the handlers
EVENT_SOURCE_OPS = ("dynamodbstreams.", "sqs.ReceiveMessage", "sqs.DeleteMessage", "sqs.ChangeMessageVisibility")
ROUNDS = 200  # bound on the worker rounds that drain one event or a burst
BURST = 100  # events arriving together: one stream batch (batch_size 100), SQS batches of 10 (app.py)


@dataclass
class EventRun:
    """Events through inbound, fan-out and delivery: the handlers' usage and the event sources', for ``events`` events."""

    handlers: Usage
    sources: Usage
    delivered: int
    enriched: bool  # the delivered records carried 7stamp's customer details (one 7stamp call in the inbound function)
    events: int = 1


class Bench:
    """The running parts and the meter."""

    def __init__(self, meter: Meter, worker: Any, sandbox_url: str, sevenstamp_hooks: Any) -> None:
        self.meter, self.worker, self.sandbox_url, self.sevenstamp_hooks = meter, worker, sandbox_url, sevenstamp_hooks
        self._timing = Usage()  # invocations and time of the stream and queue handlers
        import app

        self._time(app, "fanout")
        self._time(app, "deliver")
        self._inbound: Callable[..., Any] = app.inbound_url

    def _time(self, module: Any, name: str) -> None:
        """The worker calls ``app.<name>``: wrapped, it reports its invocations and time (its AWS calls are split by name)."""
        original = getattr(module, name)

        def timed(event: Any, context: Any) -> Any:
            started, overhead = time.perf_counter(), self.meter.overhead
            try:
                return original(event, context)
            finally:
                self._timing.invocations += 1
                self._timing.seconds += time.perf_counter() - started - (self.meter.overhead - overhead)

        setattr(module, name, timed)

    def webhook(self, location_id: str, event: str) -> Any:
        """A webhook the sandbox sends for ``event`` at the location, as it arrived (path, headers, body)."""
        seen = self.sevenstamp_hooks.count()
        httpx.post(f"{self.sandbox_url}/_sandbox/emit", json={"location_id": location_id, "event": event}, timeout=10).raise_for_status()
        got = self.sevenstamp_hooks.wait_until(lambda d: len(d) > seen, timeout=10)
        if len(got) <= seen:
            raise RuntimeError(f"the sandbox sent no {event} webhook")
        return got[seen]

    def event(self, location_id: str, receiver: Any, count: int = 1) -> EventRun:
        """``count`` stamp_added webhooks, each through the inbound function, then fan-out and delivery as the worker
        batches them, counted."""
        hooks = [self.webhook(location_id, "stamp_added") for _ in range(count)]
        inbound, rounds = Usage(invocations=count), Usage()
        before = receiver.count()
        for hook in hooks:
            with self.meter.measuring(inbound):
                answer = self._inbound(function_url_event(hook.path, hook.body, hook.headers), None)
            if answer["statusCode"] != 200:
                raise RuntimeError(f"inbound answered {answer['statusCode']}: {answer['body']}")
        self._timing = Usage()
        idle = 0
        for _ in range(ROUNDS):
            round_usage = Usage()
            with self.meter.measuring(round_usage):
                handled = self.worker.pump_stream() + self.worker.pump_queue()
            if handled:
                rounds.add(round_usage)  # rounds that found nothing are the pollers' idle cost, not the event's
            idle = 0 if handled else idle + 1
            if idle >= 2:
                break
        handlers, sources = split_event_sources(rounds)
        handlers.add(inbound)
        handlers.invocations, handlers.seconds = inbound.invocations + self._timing.invocations, inbound.seconds + self._timing.seconds
        arrived = receiver.received[before:]
        return EventRun(handlers, sources, len(arrived), all(d.json().get("enriched") is True for d in arrived), count)

    def api_call(self, api: httpx.Client, method: str, path: str, **kwargs: Any) -> Usage:
        usage = Usage(invocations=1)
        with self.meter.measuring(usage):
            answer = api.request(method, path, **kwargs)
        if answer.status_code >= 300:
            raise RuntimeError(f"{method} {path} answered {answer.status_code}: {answer.text}")
        return usage


def split_event_sources(rounds: Usage) -> tuple[Usage, Usage]:
    """The worker's rounds split by operation name: the handlers' calls, and the event sources' (EVENT_SOURCE_OPS)."""
    handlers, sources = Usage(), Usage()
    handlers.add(rounds)
    for op, n in rounds.calls.items():
        if op.startswith(EVENT_SOURCE_OPS):
            sources.calls[op] = n
            del handlers.calls[op]
    handlers.invocations, handlers.seconds = 0, 0.0
    return handlers, sources


def function_url_event(path: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    """A POST as a Lambda function URL hands it to the function (payload format 2.0)."""
    return {
        "version": "2.0",
        "rawPath": path,
        "rawQueryString": "",
        "isBase64Encoded": True,
        "body": base64.b64encode(body).decode(),
        "headers": {k.lower(): v for k, v in headers.items()},
        "requestContext": {"http": {"method": "POST", "path": path}},
    }


# -- pricing --------------------------------------------------------------------------------
def dollars(usage: Usage, sources: Usage | None, door: str, per: int = 1) -> dict[str, float]:
    """Dollars per million of what ``usage`` (and its event sources) did, by price line, for each of ``per`` events."""
    sqs = usage.count("sqs") + (sources.count("sqs") if sources else 0)
    return {
        door: PRICES[door],
        "Lambda request": usage.invocations * PRICES["Lambda request"] / per,
        "Lambda GB-second": usage.seconds * LAMBDA_GB * PRICES["Lambda GB-second"] / per,
        "DynamoDB write request unit": usage.wru * PRICES["DynamoDB write request unit"] / per,
        "DynamoDB read request unit": usage.read_units * PRICES["DynamoDB read request unit"] / per,
        "SQS request": sqs * PRICES["SQS request"] / per,
        "KMS request": usage.count("kms") * PRICES["KMS request"] / per,
    }


def print_calls(title: str, usage: Usage, sources: Usage | None = None) -> None:
    ops = ", ".join(f"{op} {n}" for op, n in sorted(usage.calls.items())) or "none"
    print(f"  {title}: {usage.count()} AWS requests by the handlers ({ops})")
    if sources is not None:
        print(f"    event sources: {', '.join(f'{op} {n}' for op, n in sorted(sources.calls.items())) or 'none'}")
    print(
        f"    DynamoDB: {usage.wru} write units, {usage.read_units:g} read units; "
        f"Lambda: {usage.invocations} invocations, {usage.seconds * 1000:.0f} ms"
    )


def print_cost(title: str, usage: Usage, sources: Usage | None, door: str, before_door: str | None = None, per: int = 1) -> float:
    lines = dollars(usage, sources, door, per)
    total = sum(lines.values())
    detail = ", ".join(f"{name} ${value:.3f}" for name, value in lines.items() if value)
    print(f"  {title}: ${total:.2f} per million ({detail})")
    if before_door:
        print(f"    with the inbound route on {before_door} instead: ${total - lines[door] + PRICES[before_door]:.2f} per million")
    return total


def print_sizes(usage: Usage) -> None:
    for label in sorted(usage.writes):
        n = usage.writes[label]
        print(f"    {label}: {n} writes, {usage.written[label] / n:,.0f} bytes each on average, {usage.write_units[label]} write units")


# -- set-up -----------------------------------------------------------------------------------
@contextmanager
def running(sevenstamp_hooks: Any) -> Iterator[tuple[Bench, str]]:
    """moto, the sandbox, the connector's API (its URL) and the worker, with the meter on every client made after start."""
    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    use_endpoint(f"http://127.0.0.1:{port}")
    os.environ.update(CONNECTOR_ALLOW_PRIVATE_TARGETS="1", DELIVERY_CONCURRENCY="1")
    meter = Meter(boto3.session.Session().client("dynamodb"))
    meter.install()
    from sandbox import Sandbox
    from stack.provision import provision, stream_arn

    sandbox = Sandbox(rate_limit_per_second=None)
    sandbox_url = sandbox.start("127.0.0.1", 0)
    env = provision(prefix="cost")
    # 7stamp's webhooks are caught, not handled: the bench hands each to the inbound function when it counts
    os.environ.update(env, SEVENSTAMP_API_URL=sandbox_url, CONNECTOR_INBOUND_URL=sevenstamp_hooks.url)
    from stack.connector import ConnectorServer
    from stack.worker import Worker

    server = ConnectorServer("127.0.0.1", 0).start()
    try:
        yield Bench(meter, Worker(stream_arn(env["EVENTS_TABLE"])), sandbox_url, sevenstamp_hooks), server.url
    finally:
        server.stop()
        sandbox.stop()
        moto.stop()


def api_for(url: str, key: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=30)


def measure(receivers: list[Any]) -> tuple[EventRun, EventRun, EventRun, Usage, Usage, Usage]:
    """The measured runs: an event to 1 and to SUBSCRIBERS subscribers, a burst of BURST to 1, a poll, an add-stamp, the same again."""
    from sandbox import DEMO_KEY_A, DEMO_KEY_B, DEMO_LOCATION_A, DEMO_LOCATION_B

    one_hook, many_hooks, sevenstamp_hooks = receivers
    with running(sevenstamp_hooks) as (bench, url), api_for(url, DEMO_KEY_A) as a, api_for(url, DEMO_KEY_B) as b:
        a.post("/v1/hooks", json={"event": "stamp_added", "target_url": f"{one_hook.url}/a"}).raise_for_status()
        for i in range(SUBSCRIBERS):
            b.post("/v1/hooks", json={"event": "stamp_added", "target_url": f"{many_hooks.url}/b{i}"}).raise_for_status()
        for location, receiver in ((DEMO_LOCATION_A, one_hook), (DEMO_LOCATION_B, many_hooks)):
            bench.event(location, receiver)  # warms what a live function keeps (the decrypted key, the queue URL)
        one = bench.event(DEMO_LOCATION_A, one_hook)
        many = bench.event(DEMO_LOCATION_B, many_hooks)
        burst = bench.event(DEMO_LOCATION_A, one_hook, BURST)
        poll = bench.api_call(a, "GET", "/v1/triggers/stamp_added", params={"limit": 10})
        stamp = bench.api_call(a, "POST", "/v1/actions/add-stamp", json={"card_id": "card_demo_a"}, headers={"Idempotency-Key": "cost-1"})
        again = bench.api_call(a, "POST", "/v1/actions/add-stamp", json={"card_id": "card_demo_a"}, headers={"Idempotency-Key": "cost-1"})
    return one, many, burst, poll, stamp, again


def print_queue_encryption() -> None:
    """What SSE-KMS on the queues adds: KMS requests per data-key period, not per message (infra/resources.json's period).

    SQS asks KMS for a data key once per reuse period for each principal (a function
    instance's role session) sending to a queue, and decrypts it once per period for each
    receiving: a bound per hour, however many events pass, so it is shown per day.
    """
    from stack.provision import load_template

    resources = load_template()["Resources"]
    queues = [r["Properties"] for r in resources.values() if r.get("Type") == "AWS::SQS::Queue"]
    sessions = 20  # function instances at once: the deliver mapping's 10 and as many of the others, on a busy day
    per_day = sum(2 * sessions * 86400 / int(q["KmsDataKeyReusePeriodSeconds"]) for q in queues)
    print(
        f"\nqueue encryption (SSE-KMS, data keys reused {int(queues[0]['KmsDataKeyReusePeriodSeconds'])} s): "
        f"about {per_day:.0f} KMS requests a day for the {len(queues)} queues with 20 function instances, "
        f"${per_day * PRICES['KMS request'] / 1e6:.4f} a day whatever the event rate: $0.00 per million events"
    )


def main() -> int:
    from stack.receiver import HookReceiver

    print(__doc__.split("\n\n")[0])
    print("prices (us-east-1, on demand, dollars per million): " + "; ".join(f"{k} ${v:g}" for k, v in PRICES.items()))
    receivers = [HookReceiver().start() for _ in range(3)]
    try:
        one, ten, burst, poll, stamp, again = measure(receivers)
    finally:
        for receiver in receivers:
            receiver.stop()
    complete = (
        one.delivered == 1
        and ten.delivered == SUBSCRIBERS
        and burst.delivered == BURST
        and one.enriched
        and ten.enriched
        and burst.enriched
    )
    print(
        f"\ndelivered: {one.delivered} of 1, {ten.delivered} of {SUBSCRIBERS}, {burst.delivered} of {BURST}; "
        f"enriched: {one.enriched and ten.enriched and burst.enriched}"
    )
    print("\nAWS requests")
    print_calls("one event to 1 subscriber", one.handlers, one.sources)
    print_sizes(one.handlers)
    print_calls(f"one event to {SUBSCRIBERS} subscribers", ten.handlers, ten.sources)
    print_calls(f"a burst of {BURST} events to 1 subscriber, in all", burst.handlers, burst.sources)
    print_sizes(burst.handlers)
    print_calls("one poll (GET /v1/triggers/stamp_added)", poll)
    print_calls("one add-stamp", stamp)
    print_calls("the same add-stamp again (idempotent)", again)
    print("\ncost per million (inbound through the function URL)")
    cost_one = print_cost(
        "events to 1 subscriber", one.handlers, one.sources, "Lambda function URL request", "API Gateway REST API request"
    )
    print_cost(
        f"events to {SUBSCRIBERS} subscribers", ten.handlers, ten.sources, "Lambda function URL request", "API Gateway REST API request"
    )
    cost_burst = print_cost(
        f"events to 1 subscriber arriving {BURST} together (stream and queue batches shared)",
        burst.handlers,
        burst.sources,
        "Lambda function URL request",
        "API Gateway REST API request",
        per=BURST,
    )
    for title, usage in (("polls", poll), ("add-stamps", stamp), ("repeated add-stamps", again)):
        print_cost(title, usage, None, "API Gateway REST API request")
    print_queue_encryption()
    extra = (ten.handlers.count() - one.handlers.count()) / (SUBSCRIBERS - 1)
    print("\ngoals (issue 9)")
    print(f"  handler AWS requests per event to one subscriber: {one.handlers.count()} (goal <= {GOAL_CALLS_ONE})")
    print(f"  per additional subscriber: {extra:.2f} (goal <= {GOAL_CALLS_EXTRA:g})")
    print(
        f"  dollars per million events to one subscriber: ${cost_one:.2f} one at a time, "
        f"${cost_burst:.2f} in a burst of {BURST} (goal <= ${GOAL_DOLLARS:g})"
    )
    return 0 if complete else 1


if __name__ == "__main__":
    raise SystemExit(main())
