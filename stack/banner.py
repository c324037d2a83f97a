"""What `make run` prints once the stack is up: where things are, the demo keys, and a copy-paste walkthrough."""

from __future__ import annotations

import json
import shlex

from stack.local import LocalStack
from stack.saved_state import SNAPSHOT_SECONDS

RECEIVER_PORT = 9000


def _curl(method: str, url: str, key: str | None = None, body: dict[str, object] | None = None) -> str:
    parts = ["curl -s"] + (["-X", method] if method != "GET" else []) + [shlex.quote(url)]
    if key:
        parts += ["-H", shlex.quote(f"X-API-Key: {key}")]
    if body is not None:
        parts += ["-H", "'Content-Type: application/json'", "-d", shlex.quote(json.dumps(body))]
    return " ".join(parts)


def banner(stack: LocalStack) -> str:
    lines = [
        "",
        "7stamp connector: the local stack is up (Ctrl-C stops everything)",
        f"  connector API   {stack.connector_url}   (no key: /health, /openapi.json; with a key: /v1/catalog and the rest)",
        f"  console         {stack.connector_url}/console   (open it in a browser; sign in with an API key)",
        f"  7stamp          {stack.sevenstamp_url}" + ("   (sandbox)" if stack.sandbox else "   (SEVENSTAMP_API_URL)"),
        f"  AWS (moto)      {stack.moto_url}   (DynamoDB, SQS, KMS)",
    ]
    if stack.data_folder is not None:
        kept = "state loaded from there" if stack.loaded is not None else "nothing saved yet"
        lines.append(
            f"  data            {stack.data_folder}   ({kept}; kept across restarts, saved every {SNAPSHOT_SECONDS:.0f} s;"
            " make run RESET=1 starts clean)"
        )
    if stack.public_url != stack.connector_url:
        lines.append(f"  public URL      {stack.public_url}   (CONNECTOR_PUBLIC_URL: 7stamp posts its webhooks there)")
    if stack.sandbox is None:
        lines += [
            "",
            "Use one of your 7stamp API keys as X-API-Key. 7stamp sends its webhooks to CONNECTOR_PUBLIC_URL,",
            "so it must reach that URL (a tunnel to this machine, for example).",
            "",
        ]
        return "\n".join(lines)
    keys = [k for k in stack.sandbox.state.keys() if not k["revoked"]]
    lines += ["", "Demo API keys of the sandbox (send one as X-API-Key):"]
    lines += [f"  {k['key']}   {k['location_id']}  {k['location_name']}" for k in keys]
    key = keys[0]["key"]
    api = stack.connector_url
    target = f"http://127.0.0.1:{RECEIVER_PORT}/hook"
    lines += [
        "",
        "Try it, in a second terminal:",
        "  # a receiver that prints each delivery as a Zapier hook would get it",
        f"  .venv/bin/python -m stack.receiver --port {RECEIVER_PORT} &",
        "  # 1. subscribe it to stamp_added",
        "  " + _curl("POST", f"{api}/v1/hooks", key, {"event": "stamp_added", "target_url": target}),
        "  # 2. add a stamp to Ada's card with the connector's action; the sandbox then sends its webhook to the connector",
        "  " + _curl("POST", f"{api}/v1/actions/add-stamp", key, {"email": "ada@demo.example"}),
        "  #    (or make the sandbox emit any event: POST /_sandbox/emit on the sandbox)",
        "  "
        + _curl("POST", f"{stack.sevenstamp_url}/_sandbox/emit", None, {"location_id": keys[0]["location_id"], "event": "stamp_added"}),
        "  # 3. the receiver prints the signed, enriched delivery; 4. poll the trigger as Zapier would",
        "  " + _curl("GET", f"{api}/v1/triggers/stamp_added?limit=1", key),
        "  # or the whole scripted scenario: make demo",
        "",
    ]
    return "\n".join(lines)
