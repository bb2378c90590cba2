"""`edgepos` commands of the hub package (registered by terminal/cli.py). Heavy imports happen inside handlers."""

from __future__ import annotations

import argparse
import os
import sys

ENROL_SECRET_ENV = "EDGEPOS_HUB_ENROL_SECRET"
ADMIN_TOKEN_ENV = "EDGEPOS_HUB_ADMIN_TOKEN"
DEFAULT_PORT = 8470


def register(commands: argparse._SubParsersAction) -> None:
    """Add this package's commands to the `edgepos` parser."""
    hub = commands.add_parser("hub", help="run the reference hub (central ledger + online authorisation)",
                              description=f"Run the hub HTTP server. Needs {ENROL_SECRET_ENV} (merchant enrolment "
                                          f"secret) and {ADMIN_TOKEN_ENV} (admin bearer token) in the environment.")
    where = hub.add_mutually_exclusive_group()
    where.add_argument("--db", default="edgepos-hub.db", help="SQLite file (default: ./edgepos-hub.db)")
    where.add_argument("--dsn", help="PostgreSQL DSN (libpq form); used instead of --db when given")
    hub.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    hub.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any free)")
    hub.add_argument("--hold-days", type=float, default=7.0, help="days before an uncaptured hold lapses (default 7)")
    hub.add_argument("--openapi", action="store_true", help="print the OpenAPI document and exit")
    hub.set_defaults(handler=cmd_hub)


def cmd_hub(args: argparse.Namespace) -> int:
    if args.openapi:
        from hub.openapi import openapi_json

        print(openapi_json())
        return 0
    secret = os.environ.get(ENROL_SECRET_ENV, "")
    token = os.environ.get(ADMIN_TOKEN_ENV, "")
    missing = [name for name, value in ((ENROL_SECRET_ENV, secret), (ADMIN_TOKEN_ENV, token)) if not value]
    if missing:
        print(f"edgepos hub: set {' and '.join(missing)} in the environment; refusing to start without them",
              file=sys.stderr)
        return 1
    from hub.server import serve

    return serve(db=args.db, dsn=args.dsn, host=args.host, port=args.port, enrolment_secret=secret.encode(),
                 admin_token=token, hold_days=args.hold_days)
