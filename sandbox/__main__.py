"""`python -m sandbox`: run the 7stamp sandbox in the foreground until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import os
import signal
import threading
from types import FrameType

from . import Sandbox


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description="Local 7stamp API emulator.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("SANDBOX_PORT", "8001")))
    parser.add_argument(
        "--rate-limit", type=float, default=10.0, help="requests per second per API key; 0 turns the limit off (default 10)"
    )
    parser.add_argument("--quiet", action="store_true", help="do not log requests")
    args = parser.parse_args(argv)

    done = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        done.set()

    # Installed before listening, so a signal that arrives during start-up still stops cleanly.
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    sandbox = Sandbox(rate_limit_per_second=args.rate_limit or None)
    url = sandbox.start(args.host, args.port, log_requests=not args.quiet)
    print(f"7stamp sandbox listening on {url}", flush=True)
    for key in sandbox.state.keys():
        status = "revoked" if key["revoked"] else "active"
        print(f"  {key['key']}  {status:7}  {key['location_id']} ({key['location_name']}), {key['staff_login']}")
    print("Control routes: /_sandbox/{health,keys,emit,faults,rate,reset,webhook-attempts}", flush=True)

    while not done.wait(0.5):  # short waits: the kernel may give SIGINT to another thread, and only this one runs the handler
        pass
    sandbox.stop()
    print("7stamp sandbox stopped", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
