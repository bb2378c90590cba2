"""`edgepos hub batch ...`: supplier batches on the command line, straight on the hub's store (run on the hub
server, like `edgepos hub user add`; `--as` names the back-office user whose role and merchant apply, and every
step is audited under that name).

    edgepos hub batch check FILE [--json] [--merchant M]   check a file (with --merchant: also against payments)
    edgepos hub batch submit FILE --as USER [--rail bank|cbdc]
    edgepos hub batch approve BATCH --as USER               the last approval pays the due rows at once
    edgepos hub batch reject BATCH --as USER [--reason R]
    edgepos hub batch run [BATCH]                           pay due rows (all approved batches without BATCH)
    edgepos hub batch show BATCH --merchant M [--json]
    edgepos hub batch export BATCH --merchant M --out RESULT.csv|RESULT.xlsx

Exit codes: 0 done (check: every row valid), 1 the file, store or user could not be used or the step is refused,
3 check found invalid rows.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_ERROR, EXIT_INVALID = 0, 1, 3


def register(actions: argparse._SubParsersAction, where: Callable[[argparse.ArgumentParser, str], None]) -> None:
    batch = actions.add_parser("batch", help="supplier payment batches from Excel or CSV (check, submit, approve, "
                                             "run, export)").add_subparsers(metavar="ACTION")
    check = batch.add_parser("check", help="check a batch file: rows, valid rows, totals, errors by Excel row")
    where(check, argparse.SUPPRESS)
    check.add_argument("file", type=Path, help=".xlsx or .csv with payee_name, account, bank_code, amount, "
                                               "currency, reference, pay_on")
    check.add_argument("--merchant", help="also find rows this merchant paid in the last 30 days (needs the store)")
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.set_defaults(handler=cmd_check)
    submit = batch.add_parser("submit", help="submit a file's valid rows for approval")
    where(submit, argparse.SUPPRESS)
    submit.add_argument("file", type=Path)
    submit.add_argument("--as", dest="user", required=True, help="the finance user (or admin) submitting")
    submit.add_argument("--rail", choices=["bank", "cbdc"], default="bank",
                        help="bank transfer (default) or the merchant's digital-currency wallet")
    submit.add_argument("--json", action="store_true")
    submit.set_defaults(handler=cmd_submit)
    for name, text in (("approve", "approve a batch (an admin, not the submitter)"),
                       ("reject", "reject a batch (an admin, not the submitter)")):
        step = batch.add_parser(name, help=text)
        where(step, argparse.SUPPRESS)
        step.add_argument("batch")
        step.add_argument("--as", dest="user", required=True)
        if name == "reject":
            step.add_argument("--reason", default="")
        else:
            step.add_argument("--no-run", action="store_true", help="do not pay the due rows now (the hub does)")
        step.set_defaults(handler=cmd_approve if name == "approve" else cmd_reject)
    run = batch.add_parser("run", help="pay due rows of approved batches, each exactly once")
    where(run, argparse.SUPPRESS)
    run.add_argument("batch", nargs="?")
    run.set_defaults(handler=cmd_run)
    show = batch.add_parser("show", help="a batch's state and per-row status counts")
    where(show, argparse.SUPPRESS)
    show.add_argument("batch")
    show.add_argument("--merchant", required=True)
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=cmd_show)
    export = batch.add_parser("export", help="write the batch's result file (per-row status, account masked)")
    where(export, argparse.SUPPRESS)
    export.add_argument("batch")
    export.add_argument("--merchant", required=True)
    export.add_argument("--out", type=Path, required=True, help="RESULT.csv or RESULT.xlsx")
    export.set_defaults(handler=cmd_export)


def _fail(message: str) -> int:
    print(f"edgepos hub batch: {message}", file=sys.stderr)
    return EXIT_ERROR


def _store(args: argparse.Namespace) -> Any:
    from hub.store import Store

    return Store.open(path=getattr(args, "db", None) or "edgepos-hub.db", dsn=getattr(args, "dsn", None))


def _user(store: Any, name: str) -> Any:
    from hub.backoffice.users import User

    row = store.view(lambda tx: tx.one("SELECT name, role, merchant_id, disabled FROM bo_users WHERE name = ?",
                                       (name[:64],)))
    if row is None or row[3]:
        raise LookupError(f"no active back-office user {name!r} (edgepos hub user add)")
    return User(row[0], row[1], row[2])


def _guarded(action: Callable[[], int]) -> int:
    from hub.corporate.batch_file import FileError
    from hub.corporate.sealing import NoSecret
    from hub.errors import HubError

    try:
        return action()
    except HubError as exc:
        return _fail(exc.message)
    except (FileError, NoSecret, LookupError, ValueError) as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot use {exc.filename or 'a file'}: {exc.strerror}")


def cmd_check(args: argparse.Namespace) -> int:
    def run() -> int:
        from datetime import UTC, datetime

        from hub.corporate.batch_file import check
        from hub.corporate.limits import default_limits

        data = args.file.read_bytes()
        if args.merchant:
            from hub.corporate.batches import check_file
            from hub.corporate.sealing import AccountSeal, secret_from_env

            store = _store(args)
            try:
                result = check_file(store, args.merchant, data, args.file.name, AccountSeal(secret_from_env()),
                                    store.clock())
            finally:
                store.close()
        else:
            result = check(data, args.file.name, datetime.now(UTC).date(), default_limits())
        if args.json:
            print(result.to_json())
        else:
            summary = result.summary()
            totals = ", ".join(f"{v} {k}" for k, v in summary["total"].items()) or "nothing"
            print(f"{summary['rows']} rows, {summary['valid']} valid, total {totals}")
            for e in summary["errors"]:
                print(f"  row {e['row']}: {e['field']}: {e['code']}: {e['text']}")
        return EXIT_INVALID if result.errors else EXIT_OK
    return _guarded(run)


def cmd_submit(args: argparse.Namespace) -> int:
    def run() -> int:
        from hub.corporate.batches import submit
        from hub.corporate.sealing import AccountSeal, secret_from_env

        seal = AccountSeal(secret_from_env())
        data = args.file.read_bytes()
        store = _store(args)
        try:
            batch, checked = submit(store, _user(store, args.user), data, args.file.name, seal, store.clock(),
                                    args.rail)
        finally:
            store.close()
        if args.json:
            print(json.dumps({"batch": batch.id, "approvals_needed": batch.approvals_needed,
                              **checked.summary()}, ensure_ascii=False))
        else:
            print(f"batch {batch.id}: {len(checked.valid)} of {checked.rows} rows submitted, "
                  f"{batch.approvals_needed} approver(s) needed; {len(checked.errors)} row errors left out")
        return EXIT_OK
    return _guarded(run)


def cmd_approve(args: argparse.Namespace) -> int:
    def run() -> int:
        from hub.corporate import batches, execute

        store = _store(args)
        try:
            outcome = batches.approve(store, _user(store, args.user), args.batch, store.clock())
            print(f"batch {args.batch}: {outcome}")
            if outcome == "approved" and not args.no_run:
                print(json.dumps(execute.run_batch(store, args.batch, store.clock)))
        finally:
            store.close()
        return EXIT_OK
    return _guarded(run)


def cmd_reject(args: argparse.Namespace) -> int:
    def run() -> int:
        from hub.corporate import batches

        store = _store(args)
        try:
            outcome = batches.reject(store, _user(store, args.user), args.batch, store.clock(), args.reason)
            print(f"batch {args.batch}: {outcome}")
        finally:
            store.close()
        return EXIT_OK
    return _guarded(run)


def cmd_run(args: argparse.Namespace) -> int:
    def run() -> int:
        from hub.corporate import execute

        store = _store(args)
        try:
            if args.batch:
                print(json.dumps(execute.run_batch(store, args.batch, store.clock)))
            else:
                print(json.dumps({"looked_at": execute.resume(store, store.clock)}))
        finally:
            store.close()
        return EXIT_OK
    return _guarded(run)


def cmd_show(args: argparse.Namespace) -> int:
    def run() -> int:
        from hub.corporate import batches, execute

        store = _store(args)
        try:
            batch = batches.load(store, args.batch, args.merchant)
            rows = execute.counts(store, args.batch)
        finally:
            store.close()
        summary = {"batch": batch.id, "status": batch.status, "file": batch.file_name, "rail": batch.rail,
                   "rows": rows, "approvals_needed": batch.approvals_needed, "submitted_by": batch.submitted_by,
                   "approvals": [{"by": a, "decision": d, "at": t} for a, d, t in batch.approvals]}
        print(json.dumps(summary, ensure_ascii=False) if args.json else
              f"{batch.id} {batch.status}: {', '.join(f'{k} {v}' for k, v in sorted(rows.items()))}")
        return EXIT_OK
    return _guarded(run)


def cmd_export(args: argparse.Namespace) -> int:
    def run() -> int:
        from hub.corporate import batches, execute

        if args.out.suffix.lower() not in (".csv", ".xlsx"):
            return _fail("--out must end in .csv or .xlsx")
        store = _store(args)
        try:
            batches.load(store, args.batch, args.merchant)  # the merchant's own batch only
            count = execute.write_result(store, args.batch, args.out)
        finally:
            store.close()
        print(f"{args.out}: {count} rows")
        return EXIT_OK
    return _guarded(run)
