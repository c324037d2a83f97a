"""JSON log lines that carry a correlation id, and CloudWatch metrics in embedded metric format (EMF).

The correlation id is the event id from the inbound call through fan-out to each
delivery, and a request id for API calls, so one CloudWatch Logs Insights query
(``filter correlation_id = "evt_..."``) shows everything that happened to one event.
Metrics are EMF documents written as single log lines: CloudWatch turns them into
metrics without an API call on the event path.

Done by hand rather than with Powertools' Logger and Metrics: measured on this machine
(``import app`` with and without them, 11 fresh interpreters each), they add about 8 ms
and push the import-time ratio from 1.114 to 1.134, too close to the 1.15 goal for two
small formats.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

NAMESPACE_VARIABLE = "METRICS_NAMESPACE"
DEFAULT_NAMESPACE = "7stampConnector/local"
SERVICE = "connector"

_correlation: ContextVar[str | None] = ContextVar("correlation_id", default=None)
_metrics = logging.getLogger("connector.metrics")
_metrics.propagate = False  # EMF lines go to stdout as they are, not through the JSON formatter
_log = logging.getLogger("connector.observability")

# an API key shows at most its first four characters after the prefix; a signing secret not at all
_SECRETS = re.compile(r"(7loc_sc_[A-Za-z0-9_-]{0,4})[A-Za-z0-9_-]*|(whsec_)[A-Za-z0-9+/=]+")
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def redact(text: str) -> str:
    """The text with API keys cut to ``7loc_sc_ab12…`` and signing secrets to ``whsec_…``."""
    return _SECRETS.sub(lambda m: (m.group(1) or m.group(2)) + "…", text)


def correlate(value: str | None = None) -> str:
    """Tie every following log line and metric of this context to ``value`` (a new request id when None)."""
    chosen = value or f"req_{uuid.uuid4().hex[:16]}"
    _correlation.set(chosen)
    return chosen


def correlation_id() -> str | None:
    return _correlation.get()


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, correlation_id and any ``extra`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "correlation_id": _correlation.get(),
        }
        line.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(line, default=str, separators=(",", ":")))


def setup() -> None:
    """On Lambda: JSON lines on every root handler (the runtime's own included) and EMF lines on stdout.

    Elsewhere (tests, the local stack) nothing changes: the stack keeps its short readable
    lines and metrics are not printed; tests attach their own handlers to read both.
    """
    if not os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        return
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler(sys.stdout))
    for handler in root.handlers:
        handler.setFormatter(JsonFormatter())
    if not _metrics.handlers:
        emf = logging.StreamHandler(sys.stdout)
        emf.setFormatter(logging.Formatter("%(message)s"))
        _metrics.addHandler(emf)
    _metrics.setLevel(logging.INFO)


def metric(name: str, value: float = 1, unit: str = "Count", **dimensions: str) -> None:
    """Emit one EMF metric; dimensions are Service plus those given, capitalised (``outcome=`` is ``Outcome``); keep them few."""
    dims = {"Service": SERVICE, **{k[:1].upper() + k[1:]: v for k, v in dimensions.items()}}
    document: dict[str, Any] = {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": os.environ.get(NAMESPACE_VARIABLE, DEFAULT_NAMESPACE),
                    "Dimensions": [list(dims)],
                    "Metrics": [{"Name": name, "Unit": unit}],
                }
            ],
        },
        **dims,
        name: value,
    }
    cid = _correlation.get()
    if cid:
        document["correlation_id"] = cid  # a property: searchable in Logs Insights, not a dimension
    _metrics.info(json.dumps(document, separators=(",", ":")))


def attempted(subscription_id: str, status_code: int | None, error: str | None, latency_ms: float | None) -> None:
    """The log line and latency metric of one POST to a subscriber."""
    _log.info(
        "delivery attempt to %s: %s in %s ms",
        subscription_id,
        status_code or error,
        latency_ms,
        extra={"subscription_id": subscription_id, "status_code": status_code, "latency_ms": latency_ms},
    )
    if latency_ms is not None:
        metric("DeliveryLatency", latency_ms, "Milliseconds")
