"""``python -m stack.unpark`` (``make unpark``): put parked events back into fan-out, on AWS or the local stack.

It uses the environment the connector uses: on AWS, credentials and ``PARKED_QUEUE_URL``
plus the table names (the stack's outputs); on a running local stack, ``AWS_ENDPOINT_URL``
and the names ``stack.provision`` gives. Prints how many events went back and how many
notes are still parked; exit status 1 while some are.
"""

from __future__ import annotations

import sys

from chalicelib import container
from chalicelib.pipeline import parked


def main() -> int:
    put_back, still_parked = parked.unpark(container.from_environment())
    print(f"{put_back} parked events fanned out again; {still_parked} parked notes still fail")
    return 1 if still_parked else 0


if __name__ == "__main__":
    sys.exit(main())
