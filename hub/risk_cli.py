"""`edgepos hub retrain`, `edgepos hub risk-label` and `edgepos hub risk-report`: the risk learning loop on the hub's
command line (registered by hub/cli.py; the work is in hub/risk_loop.py)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

MODEL_KEY_ENV = "EDGEPOS_MODEL_SIGNING_KEY"  # path of the model-signing SM2 private key (64 hex), kept off the repo


def register(actions: argparse._SubParsersAction, where: Any) -> None:
    """Add the commands to `edgepos hub`'s actions; `where(parser, default)` adds --db/--dsn."""
    retrain = actions.add_parser("retrain", help="retrain the risk model from the hub's sales and labels",
                                 description="Build the training set from the hub's records as of --as-of (labels "
                                             "known by then only), train a challenger, compare it with the "
                                             "published champion and publish it signed only if it is better. "
                                             "Prints the run's summary; the report is kept (edgepos hub risk-report).")
    where(retrain, argparse.SUPPRESS)
    retrain.add_argument("--as-of", help="ISO 8601 UTC time (default now)")
    retrain.add_argument("--key", type=Path, help=f"model-signing private key file (default ${MODEL_KEY_ENV})")
    retrain.add_argument("--public-key", help="public key the champion is checked with (hex); default: pinned")
    retrain.add_argument("--trees", type=int, help="number of trees (default: the shipped model's)")
    retrain.add_argument("--no-champion", action="store_true",
                         help="when no model is published yet, judge the first one against the floor only instead "
                              "of against the shipped model")
    retrain.set_defaults(handler=cmd_retrain)
    label = actions.add_parser("risk-label", help="record a label for a sale (fraud, review, step-up, false decline)")
    where(label, argparse.SUPPRESS)
    label.add_argument("--sale", required=True, help="the sale id")
    label.add_argument("--kind", required=True, choices=("confirmed_fraud", "chargeback", "review_fraud",
                                                          "review_legit", "pin_verified", "supervisor_approved",
                                                          "false_decline"))
    label.add_argument("--known-at", help="when it became known, ISO 8601 with offset (default now)")
    label.add_argument("--source", default="cli", help="who says so (default cli)")
    label.add_argument("--note", help="free text, at most 200 characters")
    label.set_defaults(handler=cmd_label)
    report = actions.add_parser("risk-report", help="print a retraining run's report (latest by default)")
    where(report, argparse.SUPPRESS)
    report.add_argument("--run", type=int, help="run number (default: the latest)")
    report.add_argument("--format", choices=("md", "json", "html"), default="md")
    report.set_defaults(handler=cmd_report)


def _open(args: argparse.Namespace, what: str) -> Any:
    from hub.errors import HubError
    from hub.store import Store

    try:
        return Store.open(path=getattr(args, "db", None) or "edgepos-hub.db", dsn=getattr(args, "dsn", None))
    except HubError as exc:
        print(f"edgepos hub {what}: {exc.message}", file=sys.stderr)
    except Exception as exc:  # a wrong DSN or schema: one line, not a traceback
        print(f"edgepos hub {what}: cannot open the hub's store ({type(exc).__name__})", file=sys.stderr)
    return None


def _when(text: str | None) -> datetime | None:
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} needs a UTC offset, e.g. 2026-03-01T00:00:00Z")
    return moment


def cmd_retrain(args: argparse.Namespace) -> int:
    import json
    import os

    from hub.errors import HubError
    from hub.risk_loop import retrain

    key = args.key or (Path(os.environ[MODEL_KEY_ENV]) if os.environ.get(MODEL_KEY_ENV) else None)
    if key is None or not key.is_file():
        print(f"edgepos hub retrain: give the model-signing key file (--key or ${MODEL_KEY_ENV})", file=sys.stderr)
        return 1
    try:
        as_of = _when(args.as_of)
    except ValueError as exc:
        print(f"edgepos hub retrain: {exc}", file=sys.stderr)
        return 1
    store = _open(args, "retrain")
    if store is None:
        return 1
    try:
        result = retrain(store, as_of=as_of, key_path=key, public_key_hex=args.public_key, trees=args.trees,
                         no_champion=args.no_champion)
    except HubError as exc:
        print(f"edgepos hub retrain: {exc.message}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(json.dumps(result, default=str))
    return 0


def cmd_label(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from hub.errors import HubError
    from hub.risk_loop import LabelIn, add_label

    try:
        label = LabelIn(sale_id=args.sale, kind=args.kind, known_at=_when(args.known_at), source=args.source,
                        note=args.note)
    except (ValueError, ValidationError) as exc:
        print(f"edgepos hub risk-label: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    store = _open(args, "risk-label")
    if store is None:
        return 1
    try:
        now = store.clock()
        saved = store.read(lambda tx: add_label(tx, label, now))
    except HubError as exc:
        print(f"edgepos hub risk-label: {exc.message}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(saved.model_dump_json())
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    import json

    from hub.errors import HubError
    from hub.risk_loop import run_report, runs

    store = _open(args, "risk-report")
    if store is None:
        return 1
    try:
        n = args.run
        if n is None:
            latest = store.view(lambda tx: runs(tx, 1))
            if not latest:
                print("edgepos hub risk-report: no retraining run yet", file=sys.stderr)
                return 1
            n = latest[0].n
        report, markdown = store.view(lambda tx: run_report(tx, n))
    except HubError as exc:
        print(f"edgepos hub risk-report: {exc.message}", file=sys.stderr)
        return 1
    finally:
        store.close()
    if args.format == "md":
        print(markdown)
    elif args.format == "json":
        print(json.dumps(report, indent=1))
    else:
        from hub.risk_report import render_html

        print(render_html(report))
    return 0
