"""`edgepos hub schedule|wallet|alerts ...`: scheduled payments, the enterprise wallet and AML alerts from the hub
server's command line, straight on its store (as `edgepos hub user` does). Every change names the back-office user
making it (`--as`, as `edgepos hub batch` does), who must exist for the merchant with a role allowed to make it; the
maker-checker rule holds here as on the pages (a move out of cold, or a new schedule, is approved by an admin who
did not ask for it).

Exit codes: 0 done, 1 the input or the store could not be used, 2 refused (the message says why).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from typing import Any

EXIT_OK, EXIT_ERROR, EXIT_REFUSED = 0, 1, 2
ACT_ROLES = ("finance", "admin")
APPROVE_ROLES = ("admin",)


def register(actions: argparse._SubParsersAction, where: Callable[[argparse.ArgumentParser, str], None]) -> None:
    """Add `schedule`, `wallet` and `alerts` to `edgepos hub` (`where` adds --db/--dsn)."""
    def sub(group: argparse._SubParsersAction, name: str, text: str, handler: Callable[..., int],
            merchant: bool = True) -> argparse.ArgumentParser:
        parser = group.add_parser(name, help=text, description=text)
        where(parser, argparse.SUPPRESS)
        if merchant:
            parser.add_argument("--merchant", required=True, help="the merchant whose treasury this is")
        parser.set_defaults(handler=handler)
        return parser

    schedule = actions.add_parser("schedule", help="scheduled supplier payments (one-off or monthly)",
                                  ).add_subparsers(metavar="ACTION")
    add = sub(schedule, "add", "schedule a payment: on a date, once or monthly (29-31: the month's last day when "
                               "shorter)", cmd_schedule_add)
    add.add_argument("--payee", required=True, help="payee name")
    add.add_argument("--account", required=True, help="payee account (bank card number or IBAN)")
    add.add_argument("--bank-code", required=True, help="payee bank code")
    add.add_argument("--amount", required=True, help="decimal amount in major units, e.g. 1250.00")
    add.add_argument("--currency", default="CNY", help="ISO 4217 code (default CNY; others convert at the hub's "
                                                       "rates, refused when stale)")
    add.add_argument("--reference", default="", help="payment reference")
    add.add_argument("--on", dest="first_on", required=True, type=date.fromisoformat, help="first date, YYYY-MM-DD")
    add.add_argument("--monthly", action="store_true", help="repeat every month on that day")
    add.add_argument("--until", type=date.fromisoformat, help="last date of a monthly schedule")
    add.add_argument("--as", dest="by", required=True, help="back-office user (finance or admin) adding it")
    add.add_argument("--json", action="store_true")
    for name, text in (("approve", "approve a pending schedule (an admin who did not set it up)"),
                       ("reject", "reject a pending schedule")):
        decide = sub(schedule, name, text, cmd_schedule_decide)
        decide.add_argument("schedule")
        decide.add_argument("--as", dest="by", required=True, help="admin deciding")
        decide.set_defaults(approve=name == "approve")
    listing = sub(schedule, "list", "list schedules and each one's payments", cmd_schedule_list)
    listing.add_argument("--json", action="store_true")
    cancel = sub(schedule, "cancel", "stop a schedule (nothing further is paid)", cmd_schedule_cancel)
    cancel.add_argument("schedule")
    cancel.add_argument("--as", dest="by", required=True)
    sub(schedule, "run", "run one scheduler round now (what every hub does every --scheduler-every seconds)",
        cmd_schedule_run, merchant=False)

    wallet = actions.add_parser("wallet", help="the enterprise wallet: hot and cold per currency",
                                ).add_subparsers(metavar="ACTION")
    opened = sub(wallet, "open", "open a hot and a cold wallet in a currency (keys sealed in the store)",
                 cmd_wallet_open)
    opened.add_argument("--currency", default="CNY")
    opened.add_argument("--cap", help="hot wallet cap, decimal major units (default from treasury.toml)")
    opened.add_argument("--as", dest="by", required=True, help="admin opening it")
    show = sub(wallet, "show", "balances per currency and wallet, and the latest moves", cmd_wallet_show)
    show.add_argument("--json", action="store_true")
    move = sub(wallet, "move", "move money; out of cold it waits for another person's approval", cmd_wallet_move)
    move.add_argument("--currency", default="CNY")
    move.add_argument("--from", dest="source", required=True, choices=("hot", "cold"))
    move.add_argument("--to", dest="target", required=True, choices=("hot", "cold", "bank"))
    move.add_argument("--amount", required=True, help="decimal amount in major units")
    move.add_argument("--reason", required=True)
    move.add_argument("--as", dest="by", required=True, help="back-office user (finance or admin) asking")
    move.add_argument("--json", action="store_true")
    for name, text in (("approve", "approve a pending move out of cold (an admin who did not ask for it)"),
                       ("reject", "reject a pending move out of cold")):
        decide = sub(wallet, name, text, cmd_wallet_decide)
        decide.add_argument("move")
        decide.add_argument("--as", dest="by", required=True, help="admin deciding")
        decide.add_argument("--json", action="store_true")
        decide.set_defaults(approve=name == "approve")

    alerts = actions.add_parser("alerts", help="AML alerts (large payments, structuring)",
                                ).add_subparsers(metavar="ACTION")
    alert_list = sub(alerts, "list", "open alerts (--all: resolved ones too)", cmd_alerts_list)
    alert_list.add_argument("--all", action="store_true")
    alert_list.add_argument("--json", action="store_true")
    resolve = sub(alerts, "resolve", "close an alert with what was checked", cmd_alerts_resolve)
    resolve.add_argument("alert")
    resolve.add_argument("--as", dest="by", required=True, help="back-office user (finance or admin) resolving it")
    resolve.add_argument("--comment", required=True, help="what was checked")


# --- helpers ---------------------------------------------------------------------------------------------------


def _fail(message: str, code: int = EXIT_ERROR) -> int:
    print(f"edgepos hub: {message}", file=sys.stderr)
    return code


def _run(args: argparse.Namespace, action: Callable[[Any, Any], Any], roles: tuple[str, ...] | None = None,
         write: bool = True) -> tuple[int, Any]:
    """Open the store, check `--by` and run `action(tx, now)` in one transaction (with its audit line)."""
    from hub.errors import HubError
    from hub.store import Store

    try:
        store = Store.open(path=getattr(args, "db", None) or "edgepos-hub.db", dsn=getattr(args, "dsn", None))
    except Exception as exc:  # a wrong DSN or file: one line, not a traceback
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return _fail(f"cannot open the hub's store ({first})"), None
    try:
        now = store.clock()

        def run(tx: Any) -> Any:
            if roles is not None:
                _check_user(tx, args.by, args.merchant, roles)
            return action(tx, now)

        return EXIT_OK, store.read(run) if write else store.view(run)
    except HubError as exc:
        return _fail(f"{exc.message} ({exc.code})", EXIT_REFUSED), None
    except ValueError as exc:
        return _fail(str(exc)), None
    finally:
        store.close()


def _check_user(tx: Any, name: str, merchant: str, roles: tuple[str, ...]) -> None:
    from hub.errors import HubError

    row = tx.one("SELECT role FROM bo_users WHERE name = ? AND merchant_id = ? AND disabled = 0", (name, merchant))
    if row is None or row[0] not in roles:
        raise HubError(f"{name!r} is not an active {' or '.join(roles)} user of merchant {merchant} (edgepos hub "
                       "user add)", code="forbidden")


def _log(tx: Any, args: argparse.Namespace, now: Any, action: str, detail: dict[str, Any]) -> None:
    from hub.backoffice.users import log_action

    log_action(tx, now, args.by, args.merchant, action, {**detail, "via": "cli"})


def _seal() -> Any:
    from hub.cli import ADMIN_TOKEN_ENV
    from hub.corporate.wallet import envelope, sealing_secret

    secret = sealing_secret(os.environ.get(ADMIN_TOKEN_ENV, ""))
    if not secret:
        raise ValueError("set EDGEPOS_CBDC_ISSUER_SECRET (or the hub's EDGEPOS_HUB_ADMIN_TOKEN): it seals the "
                         "wallet keys")
    return envelope(secret.encode())


def _print(value: Any, as_json: bool, text: Callable[[Any], str]) -> None:
    print(json.dumps(value, default=str, ensure_ascii=False) if as_json else text(value))


def _money(amount: int, currency: str) -> str:
    from hub.backoffice.money import to_major

    return f"{to_major(amount, currency)} {currency}"


# --- schedules -------------------------------------------------------------------------------------------------


def cmd_schedule_add(args: argparse.Namespace) -> int:
    from hub.backoffice.money import BadAmount, to_minor
    from hub.corporate import scheduler
    from hub.corporate.sealing import AccountSeal, NoSecret, secret_from_env

    try:
        amount = to_minor(args.amount, args.currency)
        seal = AccountSeal(secret_from_env())
    except (BadAmount, NoSecret) as exc:
        return _fail(str(exc))

    def action(tx: Any, now: Any) -> Any:
        schedule = scheduler.add_schedule(
            tx, seal, merchant_id=args.merchant, payee_name=args.payee, account=args.account, bank_code=args.bank_code,
            amount=amount, currency=args.currency, reference=args.reference, first_on=args.first_on,
            repeat="monthly" if args.monthly else "once", until_on=args.until, actor=args.by, now=now)
        _log(tx, args, now, "schedule.add", {"schedule": schedule.id, "amount": amount, "currency": args.currency})
        return schedule

    code, schedule = _run(args, action, ACT_ROLES)
    if code == EXIT_OK:
        _print(asdict(schedule), args.json, lambda s: f"{s['id']}: {_money(s['amount'], s['currency'])} to "
                                                      f"{s['payee_name']} {s['repeat']}, next on {s['next_on']}")
    return code


def cmd_schedule_list(args: argparse.Namespace) -> int:
    from hub.corporate import scheduler

    def action(tx: Any, now: Any) -> Any:
        return [{**asdict(s), "occurrences": [asdict(o) for o in scheduler.occurrences(tx, s.id)]}
                for s in scheduler.schedules(tx, args.merchant)]

    code, rows = _run(args, action, write=False)
    if code == EXIT_OK:
        def text(rows: list[dict[str, Any]]) -> str:
            lines = [f"{r['id']} {r['status']:9} {r['repeat']:7} next {r['next_on'] or '-':10} "
                     f"{_money(r['amount'], r['currency']):>16} {r['payee_name']} ({r['reference']})"
                     + "".join(f"\n    {o['due_on']} {o['status']}{': ' + o['reason'] if o['reason'] else ''}"
                               for o in r["occurrences"]) for r in rows]
            return "\n".join(lines) or "no schedules"
        _print(rows, args.json, text)
    return code


def cmd_schedule_decide(args: argparse.Namespace) -> int:
    from hub.corporate import scheduler

    def action(tx: Any, now: Any) -> Any:
        schedule = scheduler.decide(tx, args.merchant, args.schedule, args.approve, args.by, now)
        _log(tx, args, now, "schedule.approve" if args.approve else "schedule.reject", {"schedule": schedule.id})
        return schedule

    code, schedule = _run(args, action, APPROVE_ROLES)
    if code == EXIT_OK:
        print(f"{schedule.id}: {schedule.status} (by {schedule.decided_by})")
    return code


def cmd_schedule_cancel(args: argparse.Namespace) -> int:
    from hub.corporate import scheduler

    def action(tx: Any, now: Any) -> Any:
        schedule = scheduler.cancel(tx, args.merchant, args.schedule)
        _log(tx, args, now, "schedule.cancel", {"schedule": schedule.id})
        return schedule

    code, schedule = _run(args, action, ACT_ROLES)
    if code == EXIT_OK:
        print(f"{schedule.id}: {schedule.status}")
    return code


def cmd_schedule_run(args: argparse.Namespace) -> int:
    from hub.corporate.scheduler import Scheduler
    from hub.corporate.sealing import NoSecret
    from hub.store import Store

    store = Store.open(path=getattr(args, "db", None) or "edgepos-hub.db", dsn=getattr(args, "dsn", None))
    try:
        print(json.dumps(Scheduler(store, worker=f"cli-{os.getpid()}").tick()))
    except NoSecret as exc:
        return _fail(str(exc))
    finally:
        store.close()
    return EXIT_OK


# --- wallet ----------------------------------------------------------------------------------------------------


def cmd_wallet_open(args: argparse.Namespace) -> int:
    from hub.backoffice.money import BadAmount, to_minor
    from hub.corporate import wallet
    from hub.corporate.settings import default_config

    try:
        seal = _seal()
        cap = None if args.cap is None else to_minor(args.cap, args.currency)
    except (BadAmount, ValueError) as exc:
        return _fail(str(exc))

    def action(tx: Any, now: Any) -> Any:
        made = wallet.open_wallet(tx, args.merchant, args.currency, seal, default_config(), now)
        if cap is not None:
            wallet.set_cap(tx, args.merchant, args.currency, cap)
        _log(tx, args, now, "wallet.open", {"currency": args.currency, "cap": cap})
        return made

    code, made = _run(args, action, APPROVE_ROLES)
    if code == EXIT_OK:
        print(f"{args.merchant}: {args.currency} hot and cold wallets {'opened' if made else 'exist already'}")
    return code


def cmd_wallet_show(args: argparse.Namespace) -> int:
    from hub.corporate import wallet

    code, found = _run(args, lambda tx, now: ([asdict(b) for b in wallet.balances(tx, args.merchant)],
                                              [asdict(m) for m in wallet.moves(tx, args.merchant, 20)]), write=False)
    if code == EXIT_OK:
        balances, moves = found

        def text(_: Any) -> str:
            lines = [f"{b['currency']}: hot {_money(b['hot'], b['currency'])} (cap "
                     f"{_money(b['hot_cap'], b['currency'])}), cold {_money(b['cold'], b['currency'])}, awaiting "
                     f"approval {_money(b['pending_out'], b['currency'])}" for b in balances]
            lines += [f"  {m['id']} {m['status']:8} {m['from_wallet']}->{m['to_wallet']} "
                      f"{_money(m['amount'], m['currency'])} by {m['requested_by']}: {m['reason']}" for m in moves]
            return "\n".join(lines) or f"merchant {args.merchant} has no enterprise wallet (edgepos hub wallet open)"
        _print({"balances": balances, "moves": moves}, args.json, text)
    return code


def cmd_wallet_move(args: argparse.Namespace) -> int:
    from hub.backoffice.money import BadAmount, to_minor
    from hub.corporate import wallet

    try:
        seal = _seal()
        amount = to_minor(args.amount, args.currency)
    except (BadAmount, ValueError) as exc:
        return _fail(str(exc))

    def action(tx: Any, now: Any) -> Any:
        move = wallet.request_move(tx, args.merchant, args.currency, args.source, args.target, amount, args.reason,
                                   args.by, seal, now)
        _log(tx, args, now, "wallet.move", {"move": move.id, "amount": amount, "status": move.status})
        return move

    code, move = _run(args, action, ACT_ROLES)
    if code == EXIT_OK:
        _print(asdict(move), args.json, lambda m: f"{m['id']}: {m['status']}" + (
            " (waiting for another person: edgepos hub wallet approve)" if m["status"] == "pending" else ""))
    return code


def cmd_wallet_decide(args: argparse.Namespace) -> int:
    from hub.corporate import wallet

    try:
        seal = _seal()
    except ValueError as exc:
        return _fail(str(exc))

    def action(tx: Any, now: Any) -> Any:
        move = wallet.decide(tx, args.merchant, args.move, args.approve, args.by, seal, now)
        _log(tx, args, now, "wallet.approve" if args.approve else "wallet.reject", {"move": move.id})
        return move

    code, move = _run(args, action, APPROVE_ROLES)
    if code == EXIT_OK:
        _print(asdict(move), args.json, lambda m: f"{m['id']}: {m['status']} by {m['decided_by']}")
    return code


# --- alerts ----------------------------------------------------------------------------------------------------


def cmd_alerts_list(args: argparse.Namespace) -> int:
    from hub.corporate import aml

    code, rows = _run(args, lambda tx, now: [asdict(a) for a in aml.alerts(tx, args.merchant,
                                                                           None if args.all else "open")],
                      write=False)
    if code == EXIT_OK:
        _print(rows, args.json, lambda rows: "\n".join(
            f"{a['id']} {a['status']:8} {a['kind']:11} {_money(a['amount'], a['currency']):>16} {a['payee_name']} "
            f"({a['payee_shown']}) {a['created_at'][:16]}" + (f"\n    {a['resolved_by']}: {a['comment']}"
                                                            if a["comment"] else "") for a in rows) or "no alerts")
    return code


def cmd_alerts_resolve(args: argparse.Namespace) -> int:
    from hub.corporate import aml

    def action(tx: Any, now: Any) -> Any:
        alert = aml.resolve(tx, args.merchant, args.alert, args.by, args.comment, now)
        _log(tx, args, now, "alert.resolve", {"alert": alert.id, "comment": alert.comment})
        return alert

    code, alert = _run(args, action, ACT_ROLES)
    if code == EXIT_OK:
        print(f"{alert.id}: resolved by {alert.resolved_by}")
    return code
