"""The HTTP contract's numbers and formats, in one place.

The routes, the OpenAPI document, the catalog and every app generator read these, so a
limit changed here changes all of them. Import-light on purpose (only ``re``): the
generators and the Lambda's cold start both import it.
"""

from __future__ import annotations

import re

POLL_LIMIT_MIN = 1
POLL_LIMIT_MAX = 100
POLL_LIMIT_DEFAULT = 50

API_KEY_PATTERN = r"^7loc_sc_[A-Za-z0-9_-]{16,128}$"
API_KEY_RE = re.compile(API_KEY_PATTERN)

MAX_BODY_BYTES = 256 * 1024
MAX_JSON_DEPTH = 32  # objects and arrays inside each other; 7stamp's payloads use fewer than 5
# Objects and arrays in one body; 7stamp's payloads hold tens. The bound keeps the parser's work per
# byte near an ordinary body's: 256 KB of nested empty arrays would cost it twelve times as much.
MAX_JSON_CONTAINERS = 10_000

IDEMPOTENCY_KEY_MAX = 200
EVENT_NAME_MAX = 100  # an inbound event name longer than this is refused (it is part of an index key)
# An event name as a filter of a listing takes it: lower case, digits, '_' and '.', as 7stamp's names are.
EVENT_NAME_PATTERN = rf"^[a-z][a-z0-9_.]{{0,{EVENT_NAME_MAX - 1}}}$"
# The largest stored event item: DynamoDB refuses items over 400 KB; the rest is headroom for the
# attributes fan-out and retries add. An inbound body within MAX_BODY_BYTES fits with room to spare.
EVENT_ITEM_MAX_BYTES = 390 * 1024

# An event id as this connector hands it out: ``evt_<received ms>_<hash>`` (ASCII digits and letters only).
EVENT_ID_PATTERN = r"^evt_[0-9]{1,15}_[A-Za-z0-9]{1,64}$"
EVENT_ID_RE = re.compile(EVENT_ID_PATTERN)
IDEMPOTENCY_FIELD = "idempotency_key"  # the body field an idempotency key may come in, besides the Idempotency-Key header
