"""``python -m platforms.export --platform zapier|make|n8n|powerautomate|mcp --url URL --out DIR [--version X.Y.Z]``: write the app.

``make export PLATFORM=... URL=... OUT=...`` runs this. Exporting again into the same folder
replaces what the earlier export wrote and keeps the rest (``node_modules``, Zapier's
``.zapierapprc``, the Make origins in ``makecomapp.json``). The publisher's details and the logo
come from ``platforms/listing/``; a detail a public listing needs that is unset there is named on
stderr (a private app works without it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from chalicelib.contract import catalog
from platforms import export_url
from platforms.common import ExportError, Files, write_app
from platforms.listing import publisher
from platforms.make import generate as make_app
from platforms.mcp import generate as mcp_config
from platforms.n8n import generate as n8n_app
from platforms.powerautomate import generate as powerautomate_app
from platforms.zapier import generate as zapier_app

NEXT_STEPS = {
    "zapier": "cd {out} && npm install && zapier-platform register '7stamp (client name)' && zapier-platform push"
    "  (with `npm install -g zapier-platform-cli` and `zapier-platform login` done)",
    "make": "open {out} in VS Code with Make's Apps SDK extension, add an origin to makecomapp.json, then 'Deploy to Make'",
    "n8n": "cd {out} && npm install && npm run build, then put the folder in ~/.n8n/custom"
    " (or point N8N_CUSTOM_EXTENSIONS at its dist/) and restart n8n",
    "mcp": "put each client's file where {out}/README.md says, with the location's API key in place of the placeholder",
    "powerautomate": "paconn create --api-def {out}/apiDefinition.swagger.json --api-prop {out}/apiProperties.json --icon {out}/icon.png"
    "  (or import the swagger file in Power Automate's custom connector wizard)",
}


def build(platform: str, url: str, out: Path, listing: publisher.Listing | None = None) -> Files:
    """The files of the app for ``platform`` (origins of an earlier Make export in ``out`` are kept)."""
    listing = listing or publisher.load()
    if platform == "zapier":
        return zapier_app.generate(catalog.catalog(), url, listing)
    if platform == "n8n":
        return n8n_app.generate(catalog.catalog(), url, listing)
    if platform == "powerautomate":
        return powerautomate_app.generate(catalog.catalog(), url, listing)
    if platform == "mcp":
        return mcp_config.generate(catalog.catalog(), url)
    return make_app.generate(catalog.catalog(), url, make_app.previous_origins(out), listing)


def _stage_url(stage: str) -> str:
    """The URL of client ``stage``'s deployed stack (infra's refusals, e.g. another account's credentials, become the export's)."""
    from infra.fleet import connector_url
    from infra.package import PackageError

    try:
        return connector_url(stage)
    except PackageError as error:
        raise ExportError(str(error)) from error


def main(argv: list[str] | None = None) -> int:
    """Run the export; 0 when the app was written, 2 (with the reason on stderr) when it was not."""
    parser = argparse.ArgumentParser(prog="python -m platforms.export", description=__doc__.splitlines()[0])
    parser.add_argument("--platform", required=True, choices=sorted(NEXT_STEPS))
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="the connector's public base URL, e.g. https://abc.execute-api.eu-west-1.amazonaws.com/api")
    where.add_argument("--stage", help="a client recorded with make client: the URL is read from its deployed stack")
    parser.add_argument("--out", required=True, type=Path, help="the folder to write the app into (new, empty, or an earlier export)")
    parser.add_argument("--version", help="the app's version, MAJOR.MINOR.PATCH (default: the project's); raise it to push a new version")
    parser.add_argument(
        "--publisher", type=Path, default=publisher.PUBLISHER_FILE, help="the publisher's details (default: the tracked one)"
    )
    args = parser.parse_args(argv)
    try:
        listing = publisher.load(args.version, args.publisher)
        url = args.url or _stage_url(args.stage)
        warning = export_url.checked(url)
        if warning:
            print(warning, file=sys.stderr)
        files = build(args.platform, url, args.out, listing)
        write_app(args.out, args.platform, files)
    except ExportError as error:
        print(f"export failed: {error}", file=sys.stderr)
        return 2
    print(f"Wrote the {args.platform} app {listing.version} ({len(files)} files) to {args.out}")
    for key in listing.missing():
        print(f"warning: {args.publisher.name} has no {key}: a private app works, a public listing needs it", file=sys.stderr)
    if args.platform == "n8n" and not listing.support_email:
        print("warning: without support_email the package has no author email, which n8n-node lint requires", file=sys.stderr)
    print("Next: " + NEXT_STEPS[args.platform].format(out=args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
