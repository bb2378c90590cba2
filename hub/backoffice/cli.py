"""`edgepos` commands of the back office: `reconcile`, `audit verify` (both offline, no hub needed) and the hub
actions `hub export payments`, `hub user add|list|disable`, `hub audit export`, `hub archive` (run on the hub server,
straight on its store). Heavy imports happen inside handlers.

Exit codes: 0 done, 1 the input or the store could not be used, 3 `audit verify` found the archive changed.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import re
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

EXIT_OK, EXIT_ERROR, EXIT_TAMPERED = 0, 1, 3
PASSWORD_ENV = "EDGEPOS_USER_PASSWORD"
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _day(text: str) -> str:
    if not _DAY.match(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a day like 2026-11-25")
    try:
        date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a calendar day") from None
    return text


def register(commands: argparse._SubParsersAction) -> None:
    """Top-level commands: `edgepos reconcile`, `edgepos audit verify`."""
    reconcile = commands.add_parser(
        "reconcile", help="match ERP orders against the hub's payments and flag the differences",
        description="Reconcile ORDERS.csv (order_id, created_at, amount, currency, terminal_id, payment_ref) against "
                    "PAYMENTS.csv (what `edgepos hub export payments` writes). Unreadable rows are reported with "
                    "their line numbers and skipped.")
    reconcile.add_argument("--orders", required=True, type=Path, help="the ERP's orders (UTF-8 CSV with a header)")
    reconcile.add_argument("--payments", required=True, type=Path, help="the hub's payments (UTF-8 CSV)")
    reconcile.add_argument("--json", action="store_true", help="print the report as one JSON object")
    reconcile.add_argument("--out", type=Path, metavar="REPORT.xlsx", help="also write the report as a workbook")
    reconcile.set_defaults(handler=cmd_reconcile)

    audit = commands.add_parser("audit", help="check a signed audit archive offline").add_subparsers(
        metavar="ACTION")
    verify = audit.add_parser("verify", help="check an audit archive's SM3 manifest and SM2 signature (exit 3: "
                                             "changed)")
    verify.add_argument("archive", type=Path, help="the archive (.zip) written by `edgepos hub audit export`")
    verify.add_argument("--public-key", help="the hub's audit public key (hex) to pin; default: the one inside, "
                                             "printed for you to compare")
    verify.add_argument("--json", action="store_true", help="print one JSON object")
    verify.set_defaults(handler=cmd_audit_verify)


def register_hub_actions(actions: argparse._SubParsersAction,
                         where: Callable[[argparse.ArgumentParser, str], None]) -> None:
    """`edgepos hub ...` actions of the back office (`where` adds the hub's --db/--dsn options)."""
    export = actions.add_parser("export", help="export data from the hub's store").add_subparsers(metavar="WHAT")
    payments = export.add_parser("payments", help="payments of business days as CSV (for `edgepos reconcile`)")
    where(payments, argparse.SUPPRESS)
    payments.add_argument("--from", dest="day_from", required=True, type=_day, help="first business day")
    payments.add_argument("--to", dest="day_to", required=True, type=_day, help="last business day")
    payments.add_argument("--format", choices=["csv"], default="csv")
    payments.add_argument("--merchant", help="only this merchant's payments")
    payments.add_argument("--out", type=Path, help="write here instead of standard output")
    payments.set_defaults(handler=cmd_export_payments)

    user = actions.add_parser("user", help="back-office users (web sign-in)").add_subparsers(metavar="ACTION")
    add = user.add_parser("add", help=f"add a user; the password comes from {PASSWORD_ENV} or is asked for")
    where(add, argparse.SUPPRESS)
    add.add_argument("name", help="sign-in name")
    add.add_argument("--role", required=True, choices=["manager", "finance", "auditor", "admin"])
    add.add_argument("--merchant", required=True, help="the merchant whose data the user sees")
    add.set_defaults(handler=cmd_user_add)
    listing = user.add_parser("list", help="list users")
    where(listing, argparse.SUPPRESS)
    listing.set_defaults(handler=cmd_user_list)
    disable = user.add_parser("disable", help="stop a user signing in (sessions end at once)")
    where(disable, argparse.SUPPRESS)
    disable.add_argument("name")
    disable.set_defaults(handler=cmd_user_disable)

    audit = actions.add_parser("audit", help="signed audit archives").add_subparsers(metavar="ACTION")
    audit_export = audit.add_parser("export", help="write a signed archive of business days (records, postings, "
                                                   "decisions, operator actions)")
    where(audit_export, argparse.SUPPRESS)
    audit_export.add_argument("--from", dest="day_from", required=True, type=_day)
    audit_export.add_argument("--to", dest="day_to", required=True, type=_day)
    audit_export.add_argument("out", type=Path, help="archive to write (.zip; must not exist)")
    audit_export.set_defaults(handler=cmd_audit_export)
    archive = actions.add_parser("archive", help="move data older than the retention period into verified archives "
                                                 "(nothing younger than 5 years is ever deleted)")
    where(archive, argparse.SUPPRESS)
    archive.add_argument("--before", required=True, type=_day, help="archive business days before this day")
    archive.add_argument("--dir", required=True, type=Path, help="where the archives go")
    archive.set_defaults(handler=cmd_archive)


def _store(args: argparse.Namespace):
    from hub.store import Store

    return Store.open(path=getattr(args, "db", None) or "edgepos-hub.db", dsn=getattr(args, "dsn", None))


def _fail(command: str, message: str) -> int:
    print(f"edgepos {command}: {message}", file=sys.stderr)
    return EXIT_ERROR


def cmd_reconcile(args: argparse.Namespace) -> int:
    from hub.backoffice.reconcile import ReconcileInputError, reconcile_files, write_xlsx

    try:
        report = reconcile_files(args.orders, args.payments)
    except OSError as exc:
        return _fail("reconcile", f"cannot read {exc.filename}: {exc.strerror}")
    except ReconcileInputError as exc:
        return _fail("reconcile", str(exc))
    if args.out:
        write_xlsx(report, args.out)
    if args.json:
        print(report.to_json())
        return EXIT_OK
    counts = ", ".join(f"{kind} {n}" for kind, n in report.counts().items() if n) or "no flags"
    print(f"{report.orders} orders, {report.payments} payments: {report.matched} matched; {counts}")
    for flag in report.flags:
        print(f"  {flag.kind}: {flag.detail}")
    for row in report.unreadable:
        print(f"  unreadable {row.file} line {row.line}: {row.error}")
    return EXIT_OK


def cmd_export_payments(args: argparse.Namespace) -> int:
    from hub.backoffice.payments import payment_rows, to_csv
    from hub.errors import HubError

    if args.day_to < args.day_from:
        return _fail("hub export payments", "--to is before --from")
    try:
        store = _store(args)
        try:
            rows = store.view(lambda tx: payment_rows(tx, args.day_from, args.day_to, args.merchant))
        finally:
            store.close()
    except HubError as exc:
        return _fail("hub export payments", exc.message)
    text = to_csv(rows)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        print(f"{len(rows)} payments written to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _password() -> str:
    given = os.environ.get(PASSWORD_ENV)
    if given is not None:
        return given
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise ValueError("the two passwords differ")
    return first


def cmd_user_add(args: argparse.Namespace) -> int:
    from hub.backoffice.users import UserError, add_user
    from hub.errors import HubError

    try:
        password = _password()
        store = _store(args)
        try:
            add_user(store, args.name, password, args.role, args.merchant)
        finally:
            store.close()
    except (ValueError, UserError) as exc:
        return _fail("hub user add", str(exc))
    except HubError as exc:
        return _fail("hub user add", exc.message)
    print(f"user {args.name} ({args.role}, merchant {args.merchant}) added", file=sys.stderr)
    return EXIT_OK


def cmd_user_list(args: argparse.Namespace) -> int:
    from hub.backoffice.users import list_users

    store = _store(args)
    try:
        for user in list_users(store):
            print(f"{user.name}\t{user.role}\t{user.merchant_id}\t{'disabled' if user.disabled else 'active'}")
    finally:
        store.close()
    return EXIT_OK


def cmd_user_disable(args: argparse.Namespace) -> int:
    from hub.backoffice.users import UserError, disable_user

    store = _store(args)
    try:
        disable_user(store, args.name)
    except UserError as exc:
        return _fail("hub user disable", str(exc))
    finally:
        store.close()
    return EXIT_OK


def cmd_audit_export(args: argparse.Namespace) -> int:
    from hub.backoffice.audit import AuditError, export_archive

    if args.out.exists():
        return _fail("hub audit export", f"{args.out} exists; choose a new file")
    store = _store(args)
    try:
        summary = export_archive(store, args.day_from, args.day_to, args.out, actor="cli")
    except AuditError as exc:
        return _fail("hub audit export", str(exc))
    finally:
        store.close()
    print(json.dumps(summary))
    return EXIT_OK


def cmd_archive(args: argparse.Namespace) -> int:
    from hub.backoffice.audit import AuditError, archive_before

    store = _store(args)
    try:
        summary = archive_before(store, args.before, args.dir)
    except AuditError as exc:
        return _fail("hub archive", str(exc))
    finally:
        store.close()
    print(json.dumps(summary))
    return EXIT_OK


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from hub.backoffice.audit import verify_archive

    result = verify_archive(args.archive, args.public_key)
    if args.json:
        print(json.dumps(result))
    elif result["ok"]:
        print(f"{args.archive}: intact: {result['files']} files, days {result['from']} to {result['to']}, "
              f"{result.get('records_checked', 0)} journal records checked against their tills' keys, signed by key "
              f"{result['public_key'][:16]}...")
    else:
        print(f"{args.archive}: CHANGED or unusable: {result['problem']}")
    if result["ok"]:
        return EXIT_OK
    return EXIT_TAMPERED if result.get("tampered", True) else EXIT_ERROR
