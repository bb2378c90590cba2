"""`edgepos` commands of the hub package (registered by terminal/cli.py). Heavy imports happen inside handlers.

`edgepos hub` runs the server; `edgepos hub enrol-code --merchant M` mints a one-time enrolment code straight into
the hub's store (run by a technician on the hub server) and prints it.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from datetime import timedelta

from hub import risk_cli

ADMIN_TOKEN_ENV = "EDGEPOS_HUB_ADMIN_TOKEN"
DEFAULT_PORT = 8470
MIN_TOKEN_CHARS = 32  # e.g. `openssl rand -hex 16`; shorter tokens are guessed, even throttled
MIN_TOKEN_DISTINCT = 10
_DURATION = re.compile(r"^(\d+)\s*([smhd]?)$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "": 60}


def register(commands: argparse._SubParsersAction) -> None:
    """Add this package's commands to the `edgepos` parser."""
    hub = commands.add_parser("hub", help="run the reference hub (central ledger + online authorisation)",
                              description=f"Run the hub HTTP server. Needs {ADMIN_TOKEN_ENV} (admin bearer token, at "
                                          f"least {MIN_TOKEN_CHARS} characters) in the environment. Terminals enrol "
                                          "with one-time codes: `edgepos hub enrol-code --merchant M`.")
    _where(hub, "edgepos-hub.db")
    hub.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    hub.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any free)")
    hub.add_argument("--hold-days", type=float, default=7.0, help="days before an uncaptured hold lapses (default 7)")
    hub.add_argument("--refund-scope", choices=("terminal", "merchant"), default="terminal",
                     help="whose sales a journal refund may name: the terminal's own (default) or any terminal's "
                          "of the same merchant (returns at a service desk)")
    hub.add_argument("--max-requests", type=int, default=64,
                     help="requests handled at once; more wait briefly, then get a fast 503 (default 64)")
    hub.add_argument("--head-timeout", type=float, default=10.0,
                     help="seconds a connection may take to send a request head (slow clients are cut; default 10)")
    hub.add_argument("--max-connections-per-client", type=int, default=64,
                     help="open connections one client address may hold (default 64; behind a proxy, limit there)")
    hub.add_argument("--workers", type=int, default=1,
                     help="hub processes serving the port (PostgreSQL only: they share every lock and state through "
                          "the database; SQLite runs one process; default 1)")
    hub.add_argument("--openapi", action="store_true", help="print the OpenAPI document and exit")
    hub.add_argument("--retrain-every", type=_duration, default=None,
                     help="retrain the risk model on this schedule, e.g. 7d (needs $EDGEPOS_MODEL_SIGNING_KEY)")
    hub.add_argument("--scheduler-every", type=float, default=60.0, metavar="SECONDS",
                     help="how often this hub runs due scheduled payments and wallet sweeps (default 60; 0: never; "
                          "several hubs on one PostgreSQL share the work, each payment runs once)")
    hub.set_defaults(handler=cmd_hub)
    actions = hub.add_subparsers(metavar="ACTION")
    code = actions.add_parser("enrol-code", help="mint a one-time enrolment code for a merchant's terminal",
                              description="Mint a one-time code that enrols one terminal of MERCHANT, written "
                                          "straight into the hub's store; prints the code (give it to the "
                                          "technician: EDGEPOS_ENROL_CODE or stdin of `edgepos sync enrol`).")
    _where(code, argparse.SUPPRESS)
    code.add_argument("--merchant", required=True, help="merchant id the code enrols a terminal for")
    code.add_argument("--expires", default="60m", type=_duration,
                      help="how long the code is valid: 90s, 60m, 12h, 7d (default 60m, at most 7d)")
    code.set_defaults(handler=cmd_enrol_code)
    risk_cli.register(actions, _where)  # retrain, risk-label, risk-report (issue 17)
    from hub.backoffice.cli import register_hub_actions

    register_hub_actions(actions, _where)
    from hub.provisioning_cli import register as register_provisioning  # issue 14: provisioning codes

    register_provisioning(actions, _where, _duration)
    from hub.fleet_cli import register as register_fleet  # issue 14: fleet list, remote actions, diagnostics

    register_fleet(actions, _where)
    from hub.corporate.batch_cli import register as register_batch  # issue 16: supplier batches

    register_batch(actions, _where)
    from hub.corporate.treasury_cli import register as register_treasury  # issue 16: schedule, wallet, alerts

    register_treasury(actions, _where)


def _where(parser: argparse.ArgumentParser, default: str) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--db", default=default, help="SQLite file (default: ./edgepos-hub.db)")
    where.add_argument("--dsn", default=None if default != argparse.SUPPRESS else default,
                       help="PostgreSQL DSN (libpq form); used instead of --db when given")


def _duration(text: str) -> timedelta:
    match = _DURATION.match(text.strip().lower())
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration like 90s, 60m, 12h or 7d")
    return timedelta(seconds=int(match[1]) * _UNITS[match[2]])


def weak_token_problem(token: str) -> str | None:
    """Why `token` is too weak to guard the admin endpoints, or None."""
    if len(token) < MIN_TOKEN_CHARS:
        return f"{ADMIN_TOKEN_ENV} has {len(token)} characters; use at least {MIN_TOKEN_CHARS} random ones " \
               "(e.g. `openssl rand -hex 16`)"
    if len(set(token)) < MIN_TOKEN_DISTINCT:
        return f"{ADMIN_TOKEN_ENV} repeats a few characters; use a random token (e.g. `openssl rand -hex 16`)"
    return None


def cmd_hub(args: argparse.Namespace) -> int:
    if args.openapi:
        from hub.openapi import openapi_json

        print(openapi_json())
        return 0
    if os.environ.get("EDGEPOS_HUB_ENROL_SECRET"):
        print("edgepos hub: EDGEPOS_HUB_ENROL_SECRET is ignored: terminals enrol with one-time codes "
              "(`edgepos hub enrol-code --merchant M`); unset it", file=sys.stderr)
    token = os.environ.get(ADMIN_TOKEN_ENV, "")
    if not token:
        print(f"edgepos hub: set {ADMIN_TOKEN_ENV} in the environment; refusing to start without it",
              file=sys.stderr)
        return 1
    weak = weak_token_problem(token)
    if weak:
        print(f"edgepos hub: {weak}; refusing to start", file=sys.stderr)
        return 1
    from hub.server import serve

    return serve(db=args.db, dsn=args.dsn, host=args.host, port=args.port, admin_token=token,
                 hold_days=args.hold_days, refund_scope=args.refund_scope, max_requests=args.max_requests,
                 head_timeout_s=args.head_timeout, max_per_client=args.max_connections_per_client,
                 retrain_every=args.retrain_every, workers=args.workers, scheduler_every_s=args.scheduler_every)


def cmd_enrol_code(args: argparse.Namespace) -> int:
    from hub.enrol_codes import MAX_TTL, MIN_TTL
    from hub.errors import HubError
    from hub.store import Store

    if not MIN_TTL <= args.expires <= MAX_TTL:
        print(f"edgepos hub enrol-code: --expires must be between 1m and {MAX_TTL.days}d", file=sys.stderr)
        return 1
    try:
        store = Store.open(path=args.db, dsn=args.dsn)
    except HubError as exc:
        print(f"edgepos hub enrol-code: {exc.message}", file=sys.stderr)
        return 1
    except Exception as exc:  # a wrong DSN or schema: one line, not a traceback
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        print(f"edgepos hub enrol-code: cannot open the hub's store ({type(exc).__name__}: {first})",
              file=sys.stderr)
        return 1
    try:
        from pydantic import ValidationError

        from hub.enrol_codes import EnrolCodeRequest

        EnrolCodeRequest(merchant_id=args.merchant)
        minted = store.mint_enrol_code(args.merchant, args.expires)
    except ValidationError:
        print(f"edgepos hub enrol-code: {args.merchant!r} is not a merchant id (letters, digits, . _ -; at most "
              "64)", file=sys.stderr)
        return 1
    except HubError as exc:
        print(f"edgepos hub enrol-code: {exc.message}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(minted.code)
    print(f"one-time code for one terminal of merchant {minted.merchant_id}, valid until "
          f"{minted.expires_at.isoformat(timespec='seconds')}", file=sys.stderr)
    return 0
