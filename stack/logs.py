"""Logging for the local stack: one short, readable line per record, and no library chatter."""

from __future__ import annotations

import logging
import sys

QUIET = ("werkzeug", "botocore", "boto3", "urllib3", "httpx", "httpcore")


class _Line(logging.Formatter):
    """``12:00:01 GET /v1/me 200 12ms``; warnings and errors also name their level and logger."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(message)s", datefmt="%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        if record.levelno >= logging.WARNING:
            stamp, _, rest = line.partition(" ")
            line = f"{stamp} {record.levelname} {record.name}: {rest}"
        return line


def configure(level: int = logging.INFO) -> None:
    """Our loggers at ``level`` to stderr; moto's per-request lines (werkzeug) and the AWS/HTTP clients only on errors."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Line())
    handler.setLevel(level)  # app.py sets its own loggers to INFO on import; this still holds
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    for name in ("connector", "chalicelib", "stack"):
        logging.getLogger(name).setLevel(level)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.ERROR)
