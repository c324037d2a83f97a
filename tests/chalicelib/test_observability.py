"""On Lambda, every log line becomes JSON and EMF documents reach stdout; elsewhere logging is left as it is."""

from __future__ import annotations

import io
import json
import logging

from chalicelib import observability


def test_setup_on_lambda_formats_the_runtimes_handler_as_json_and_prints_emf(monkeypatch):
    root, metrics = logging.getLogger(), logging.getLogger("connector.metrics")
    runtime = logging.StreamHandler(io.StringIO())  # stands for the Lambda runtime's own handler
    monkeypatch.setattr(root, "handlers", [runtime])
    monkeypatch.setattr(metrics, "handlers", [])
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "sevenstamp-connector-dev-Deliver")
    observability.setup()
    observability.correlate("evt_1_abc")
    logging.getLogger("connector.test").warning("delivery to %s failed", "hook_1")
    line = json.loads(runtime.stream.getvalue())
    assert line["message"] == "delivery to hook_1 failed" and line["correlation_id"] == "evt_1_abc" and line["level"] == "WARNING"
    [emf] = metrics.handlers
    assert isinstance(emf, logging.StreamHandler) and emf.formatter is not None and emf.formatter._fmt == "%(message)s"


def test_setup_elsewhere_changes_nothing(monkeypatch):
    root = logging.getLogger()
    local = logging.StreamHandler(io.StringIO())
    monkeypatch.setattr(root, "handlers", [local])
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    observability.setup()
    assert local.formatter is None
