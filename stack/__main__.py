"""`python -m stack` (what `make run` runs): the local stack in the foreground until Ctrl-C or SIGTERM.

Its state is kept in the data folder (CONNECTOR_DATA_DIR, default ``.stack/data``) across
restarts; ``--reset`` (``make run RESET=1``) deletes the saved state first.
"""

from __future__ import annotations

import argparse
import os
import sys

from stack import logs
from stack.banner import banner
from stack.local import LocalStack, PortInUse, Ports
from stack.saved_state import STATE_FILE, data_folder
from stack.signals import stop_requested, wait_for_stop


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make run", description="The whole stack on loopback, in the foreground.")
    parser.add_argument("--reset", action="store_true", help="forget the saved state and start clean (make run RESET=1)")
    args = parser.parse_args(argv)
    from chalicelib import settings
    from chalicelib.errors import SettingsError

    logs.configure()
    try:
        configured = settings.load(os.environ)  # the ports and URLs, validated by the connector's own rules
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    folder = data_folder(os.environ)
    if args.reset:
        (folder / STATE_FILE).unlink(missing_ok=True)
    done = stop_requested()
    stack = LocalStack(
        Ports(configured.connector_port, configured.sandbox_port, configured.moto_port),
        sevenstamp_url=os.environ.get("SEVENSTAMP_API_URL", "").strip() or None,
        public_url=os.environ.get("CONNECTOR_PUBLIC_URL", "").strip() or None,
        allow_private_targets=os.environ.get("CONNECTOR_ALLOW_PRIVATE_TARGETS", "").strip() or "1",
        data_folder=folder,
    )
    try:
        stack.start()
    except PortInUse as exc:
        print(exc, file=sys.stderr)
        return 2
    print(banner(stack), flush=True)
    wait_for_stop(done)
    print("Stopping…", flush=True)
    stack.stop()
    print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
