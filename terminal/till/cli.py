"""`edgepos` commands of a real till (registered by terminal/cli.py): `till init`, `till catch-up`, `operators`,
`run`, `backup`, `restore`. Heavy imports happen inside handlers.

Secrets never come from the command line: the key store secret from EDGEPOS_KEY_SECRET, PINs typed without echo
(or one per line on stdin when it is not a terminal, for scripts).
Exit codes: 0 ok; 1 refused or bad input (one sentence on stderr); 4 the hub is unreachable; 5 the till must not
sell (the hub holds newer records than this till: `edgepos till catch-up`).
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_ERROR, EXIT_UNREACHABLE, EXIT_MUST_NOT_SELL = 0, 1, 4, 5
DATA_DIR_ENV = "EDGEPOS_DATA_DIR"


class _Refused(Exception):
    """One sentence for stderr, and the exit code."""

    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


def register(commands: argparse._SubParsersAction) -> None:
    till = commands.add_parser("till", help="set up and look after a real till").add_subparsers(metavar="ACTION")
    init = till.add_parser("init", help="create a till: keys, journal, operators, risk state, config (0600 files)")
    _data_dir(init)
    init.add_argument("--hub", required=True, help="hub URL, e.g. https://hub.example.com")
    init.add_argument("--merchant", required=True, help="merchant id at the hub")
    init.add_argument("--store-name", required=True, help="the shop's name, printed on every receipt")
    init.add_argument("--address", default="", help="the shop's address (receipt header)")
    init.add_argument("--tax-id", default="", help="the shop's tax id (receipt header)")
    init.add_argument("--timezone", default="Asia/Shanghai", help="IANA time zone of receipts (default Asia/Shanghai)")
    init.add_argument("--currency", default="CNY", help="ISO 4217 currency (default CNY)")
    init.add_argument("--profile", default="retail", choices=["retail", "cross_border", "b2b"])
    init.add_argument("--receipt-footer", action="append", default=[], metavar="LINE", help="a footer line (repeat)")
    init.add_argument("--catalogue", type=Path, metavar="CSV", help="the shop's product list (see the README)")
    init.add_argument("--manager", default="M-001", help="id of the first manager (default M-001)")
    init.add_argument("--manager-name", help="name of the first manager (default: the id)")
    init.add_argument("--terminal-id", help="terminal id (default: T- and 10 random hex digits)")
    init.add_argument("--json", action="store_true", help="print one JSON object")
    init.set_defaults(handler=cmd_till_init)
    catch_up = till.add_parser("catch-up", help="fetch the records the hub holds and this till lacks (restored "
                                                "from an older backup), verify them, and let it sell again")
    _data_dir(catch_up)
    catch_up.add_argument("--json", action="store_true", help="print one JSON object")
    catch_up.set_defaults(handler=cmd_till_catch_up)

    operators = commands.add_parser("operators", help="add, list, disable operators; reset a PIN")
    actions = operators.add_subparsers(metavar="ACTION")
    add = actions.add_parser("add", help="enrol an operator (a manager approves with their PIN)")
    _data_dir(add)
    add.add_argument("--id", required=True, help="operator id, e.g. C-002")
    add.add_argument("--name", required=True, help="the name shown at the till")
    add.add_argument("--role", required=True, choices=["cashier", "supervisor", "manager", "technician"])
    add.add_argument("--by", required=True, metavar="MANAGER", help="the approving manager's id")
    add.set_defaults(handler=cmd_operators_add)
    listing = actions.add_parser("list", help="the till's operators")
    _data_dir(listing)
    listing.add_argument("--json", action="store_true", help="print one JSON object")
    listing.set_defaults(handler=cmd_operators_list)
    disable = actions.add_parser("disable", help="stop an operator logging in or approving")
    _data_dir(disable)
    disable.add_argument("--id", required=True)
    disable.add_argument("--by", required=True, metavar="MANAGER")
    disable.set_defaults(handler=cmd_operators_disable)
    reset = actions.add_parser("reset-pin", help="set a new PIN (also lifts a lock-out)")
    _data_dir(reset)
    reset.add_argument("--id", required=True)
    reset.add_argument("--by", required=True, metavar="MANAGER")
    reset.set_defaults(handler=cmd_operators_reset_pin)

    run = commands.add_parser("run", help="the cashier app on this till's config, hub and devices")
    _data_dir(run)
    run.add_argument("--fullscreen", action="store_true", help="fill the screen (a counter PC)")
    run.add_argument("--lang", choices=["en", "zh_CN"], default="en", help="cashier app language (default en)")
    run.add_argument("--sell", action="append", metavar="BARCODE[*QTY]",
                     help="no window: sell these items for cash (repeat), send the sale to the hub, print it")
    run.add_argument("--operator", help="with --sell: the operator selling (PIN on stdin or typed)")
    run.add_argument("--json", action="store_true", help="with --sell: print one JSON object")
    run.set_defaults(handler=cmd_run)

    back = commands.add_parser("backup", help="copy the till's data (online, consistent, keys still sealed)")
    _data_dir(back)
    back.add_argument("out", type=Path, metavar="OUT", help="the backup file to write (a tar; must not exist)")
    back.add_argument("--json", action="store_true", help="print one JSON object")
    back.set_defaults(handler=cmd_backup)
    rest = commands.add_parser("restore", help="put a backup in place after checking keys and journal")
    rest.add_argument("archive", type=Path, metavar="BACKUP", help="a file made by edgepos backup")
    _data_dir(rest)
    rest.add_argument("--json", action="store_true", help="print one JSON object")
    rest.set_defaults(handler=cmd_restore)


def _data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, default=os.environ.get(DATA_DIR_ENV) or None,
                        help=f"the till's data directory (default: ${DATA_DIR_ENV})")


def _handled(handler: Any) -> Any:
    """Refusals become one sentence on stderr (or a JSON object) and their exit code; never a traceback."""

    def run(args: argparse.Namespace) -> int:
        try:
            if args.data_dir is None:
                raise _Refused(f"say which till: --data-dir DIR or ${DATA_DIR_ENV}")
            return handler(args)
        except _Refused as exc:
            if getattr(args, "json", False):
                print(json.dumps({"ok": False, "error": str(exc)}, ensure_ascii=False))
            else:
                print(f"edgepos: {exc}", file=sys.stderr)
            return exc.code
        except KeyboardInterrupt:
            print("edgepos: interrupted", file=sys.stderr)
            return EXIT_ERROR

    return run


def _emit(args: argparse.Namespace, data: dict[str, Any], text: str, code: int = EXIT_OK) -> int:
    print(json.dumps(data, ensure_ascii=False) if getattr(args, "json", False) else text)
    return code


# --- secrets ------------------------------------------------------------------------------------------------------


def _secret() -> bytes:
    from sync.keystore import SECRET_ENV

    value = os.environ.get(SECRET_ENV, "")
    if not value:
        raise _Refused(f"set {SECRET_ENV} to the till's key store secret (at least 16 characters, e.g. "
                       f"head -c 32 /dev/urandom | base64); it never goes on the command line")
    if len(value) < 16:
        raise _Refused(f"{SECRET_ENV} is too short: use at least 16 random characters")
    return value.encode()


def _pin(prompt: str, confirm: bool = False) -> str:
    """A PIN typed without echo, or the next line of stdin when stdin is not a terminal (scripts, tests)."""
    if sys.stdin.isatty():
        pin = getpass.getpass(prompt)
        if confirm and getpass.getpass("again: ") != pin:
            raise _Refused("the two PINs differ; nothing was changed")
        return pin
    line = sys.stdin.readline()
    if not line:
        raise _Refused(f"no PIN on stdin ({prompt.strip().rstrip(':')})")
    return line.strip()


# --- till init / catch-up -----------------------------------------------------------------------------------------


@_handled
def cmd_till_init(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from terminal.operators.pin_hash import valid_pin
    from terminal.till.config import HubConfig, StoreConfig, TillConfig
    from terminal.till.setup import Manager, SetupError, init_till

    secret = _secret()
    try:
        config = TillConfig(
            store=StoreConfig(name=args.store_name, address=args.address, tax_id=args.tax_id,
                              timezone=args.timezone, currency=args.currency, profile=args.profile,
                              receipt_footer=args.receipt_footer),
            hub=HubConfig(url=args.hub, merchant=args.merchant))
    except ValidationError as exc:
        first = exc.errors()[0]
        raise _Refused(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None
    pin = _pin(f"PIN for manager {args.manager} (4 to 12 digits): ", confirm=True)
    if not valid_pin(pin):
        raise _Refused("a PIN is 4 to 12 digits")
    manager = Manager(args.manager, args.manager_name or args.manager, pin)
    try:
        terminal_id = init_till(args.data_dir, config, secret=secret, manager=manager, catalogue=args.catalogue,
                                terminal_id=args.terminal_id)
    except (SetupError, ValueError) as exc:
        raise _Refused(str(exc)) from None
    data = {"ok": True, "terminal_id": terminal_id, "data_dir": str(args.data_dir.resolve()),
            "store": config.store.name, "hub": config.hub.url, "merchant": config.hub.merchant}
    text = (f"till {terminal_id} set up in {args.data_dir} for {config.store.name} (merchant "
            f"{config.hub.merchant}); next: edgepos sync enrol --data-dir {args.data_dir} --merchant "
            f"{config.hub.merchant}")
    return _emit(args, data, text)


@contextmanager
def _sync_parts(data_dir: Path):
    """Key store, journal, sync state and uplink of the till in `data_dir` (no checkout, no devices)."""
    from sync.hub_client import HubClient
    from sync.journal import Journal, JournalError
    from sync.keystore import FileKeyStore, KeyStoreError
    from sync.layout import JOURNAL, KEYS
    from sync.state import StateError, SyncState, state_path_for
    from sync.uplink import Uplink
    from terminal.till.config import ConfigError, load_config

    try:
        config = load_config(data_dir)
        keystore = FileKeyStore.open(data_dir / KEYS, _secret())
    except (ConfigError, KeyStoreError) as exc:
        raise _Refused(str(exc)) from None
    with ExitStack() as stack:
        try:
            journal = stack.enter_context(Journal.open(data_dir / JOURNAL, keystore))
            state = stack.enter_context(SyncState.open(state_path_for(journal.path)))
        except (JournalError, StateError) as exc:
            raise _Refused(str(exc)) from None
        client = stack.enter_context(HubClient(keystore, config.hub.url))
        uplink = stack.enter_context(Uplink(journal, client, state=state))
        yield journal, uplink


@_handled
def cmd_till_catch_up(args: argparse.Namespace) -> int:
    from sync.hub_client import HubRefused, HubUnavailable
    from sync.journal import JournalError
    from sync.verify import verify_journal
    from terminal.till.hubcheck import check_hub, clear_restored

    with _sync_parts(args.data_dir) as (journal, uplink):
        try:
            adopted = uplink.catch_up()
        except HubUnavailable as exc:
            raise _Refused(f"{exc}; try again when the hub is reachable", EXIT_UNREACHABLE) from None
        except (HubRefused, JournalError) as exc:
            raise _Refused(f"the hub's copy cannot be taken: {exc}; the journal was not changed after its last "
                           "good record") from None
        check = check_hub(uplink.client, journal)
        report = verify_journal(journal.path, journal.public_key().raw)
        if check.verdict != "ok" or not report.ok:
            raise _Refused(f"after catching up, the till still does not match the hub ({check.verdict}; journal "
                           f"{'intact' if report.ok else report.problem})", EXIT_MUST_NOT_SELL)
        clear_restored(args.data_dir)
    data = {"ok": True, "adopted": adopted, "journal_seq": check.local_seq, "hub_seq": check.hub_seq}
    return _emit(args, data, f"fetched {adopted} records from the hub; the till holds {check.local_seq} records "
                             f"like the hub, journal intact; it may sell again")


# --- operators ----------------------------------------------------------------------------------------------------


@contextmanager
def _staff(data_dir: Path):
    """The operator store of the till in `data_dir`, its privileged actions journalled."""
    from sync.journal import Journal, JournalError
    from sync.keystore import FileKeyStore, KeyStoreError
    from sync.layout import JOURNAL, KEYS
    from terminal.operators import OperatorStore, operators_path_for, pepper_from_keystore
    from terminal.till.config import ConfigError, load_config

    try:
        load_config(data_dir)
        keystore = FileKeyStore.open(data_dir / KEYS, _secret())
        journal = Journal.open(data_dir / JOURNAL, keystore)
    except (ConfigError, KeyStoreError, JournalError) as exc:
        raise _Refused(str(exc)) from None
    with journal:
        store = OperatorStore.open(operators_path_for(journal.path), pepper_from_keystore(keystore), audit=journal)
        try:
            yield store
        finally:
            store.close()


def _manager(store: Any, manager_id: str) -> Any:
    from terminal.operators import OperatorError

    try:
        return store.verify(manager_id, _pin(f"PIN of {manager_id}: "))
    except OperatorError as exc:
        raise _Refused(str(exc)) from None


def _operator_action(args: argparse.Namespace, action: Any, done: str) -> int:
    from terminal.operators import OperatorError
    from terminal.till.hubcheck import restored_unchecked

    if restored_unchecked(args.data_dir):  # every change is journalled: not before the hub has been asked
        raise _Refused("this till was restored from a backup and has not checked with the hub yet; start it once "
                       f"(edgepos run) or run edgepos till catch-up --data-dir {args.data_dir} first")
    with _staff(args.data_dir) as store:
        manager = _manager(store, args.by)
        try:
            action(store, manager)
        except OperatorError as exc:
            raise _Refused(str(exc)) from None
    print(done)
    return EXIT_OK


@_handled
def cmd_operators_add(args: argparse.Namespace) -> int:
    def add(store: Any, manager: Any) -> None:
        store.add(args.id, args.name, args.role, _pin(f"new PIN for {args.id}: ", confirm=True), by=manager)

    return _operator_action(args, add, f"operator {args.id} ({args.name}, {args.role}) added")


@_handled
def cmd_operators_disable(args: argparse.Namespace) -> int:
    return _operator_action(args, lambda store, manager: store.disable(manager, args.id),
                            f"operator {args.id} disabled")


@_handled
def cmd_operators_reset_pin(args: argparse.Namespace) -> int:
    def reset(store: Any, manager: Any) -> None:
        store.set_pin(manager, args.id, _pin(f"new PIN for {args.id}: ", confirm=True))

    return _operator_action(args, reset, f"new PIN set for {args.id}")


@_handled
def cmd_operators_list(args: argparse.Namespace) -> int:
    with _staff(args.data_dir) as store:
        rows = [{"id": op.operator_id, "name": op.name, "role": str(op.role),
                 "disabled": store.is_disabled(op.operator_id)} for op in store.all(include_disabled=True)]
    text = "\n".join(f"{r['id']}\t{r['role']}\t{r['name']}{'  (disabled)' if r['disabled'] else ''}"
                     for r in rows)
    return _emit(args, {"ok": True, "operators": rows}, text or "no operators")


# --- run ----------------------------------------------------------------------------------------------------------


@_handled
def cmd_run(args: argparse.Namespace) -> int:
    from terminal.till.setup import private_files

    with private_files():  # whatever the till writes while it runs (indexes, -wal files) is its user's alone
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from terminal.bootstrap import TillUnavailable, open_till
    from terminal.till.hubcheck import check_hub, clear_restored, restored_unchecked

    try:
        store = open_till(args.data_dir, secret=_secret())
    except TillUnavailable as exc:
        raise _Refused(str(exc)) from None
    with store:
        till = store.till
        assert till.uplink is not None
        check = check_hub(till.uplink.client, till.journal)
        sentence = check.sentence(args.data_dir)
        if not sentence and restored_unchecked(args.data_dir):
            if check.verdict == "ok":
                clear_restored(args.data_dir)
            else:
                sentence = ("This till was restored from a backup and has not reached the hub yet, so it must not "
                            f"sell: connect it to the network and start it again ({check.detail or check.verdict}).")
        if sentence:
            if not args.sell:
                _show_refusal(sentence, args.lang)
            raise _Refused(sentence, EXIT_MUST_NOT_SELL)
        if args.sell:
            return _scripted_sale(args, store)
        try:
            from terminal.ui.app import run_cashier
        except ImportError as exc:
            raise _Refused(f"the cashier app is not available in this installation ({exc})") from None
        print(f"edgepos till {till.keystore.terminal_id} open: {store.config.store.name}, hub "
              f"{store.config.hub.url}" + (f"; {store.device_note}" if store.device_note else ""))
        sys.stdout.flush()
        return run_cashier(store, lang=args.lang, fullscreen=args.fullscreen)


def _show_refusal(sentence: str, lang: str) -> None:
    """The cashier sees the sentence on the screen, not only the technician in a log (no window without Qt)."""
    if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        return
    try:
        from PySide6.QtWidgets import QMessageBox

        from terminal.ui.app import application
    except ImportError:
        return
    application(lang)
    QMessageBox.critical(None, "edgepos", sentence)


def _scripted_sale(args: argparse.Namespace, store: Any) -> int:
    """`edgepos run --sell`: one cash sale through the same checkout the app drives, then a sync round."""
    from terminal.catalogue import CatalogueError
    from terminal.checkout import CheckoutError
    from terminal.domain import Money
    from terminal.operators import OperatorError
    from terminal.till.sell import sell_for_cash

    if not args.operator:
        raise _Refused("say who sells: --operator ID (the PIN is read from stdin or typed)")
    try:
        sale = sell_for_cash(store, args.operator, _pin(f"PIN of {args.operator}: "), args.sell)
    except (OperatorError, CatalogueError, CheckoutError, ValueError) as exc:
        raise _Refused(str(exc)) from None
    data = {"ok": True, **sale.to_dict(), "terminal_id": store.till.keystore.terminal_id}
    text = (f"sale {sale.sale_id}: {Money(sale.total_minor, sale.currency)} paid in cash; "
            + ("sent to the hub" if sale.synced else f"queued ({sale.pending} waiting for the hub)")
            + "\n" + sale.receipt)
    return _emit(args, data, text)


# --- backup / restore ---------------------------------------------------------------------------------------------


@_handled
def cmd_backup(args: argparse.Namespace) -> int:
    from terminal.till.backup import BackupError, backup

    try:
        summary = backup(args.data_dir, args.out)
    except BackupError as exc:
        raise _Refused(str(exc)) from None
    return _emit(args, {"ok": True, **summary.to_dict()},
                 f"backup of till {summary.terminal_id} ({summary.journal_seq} journal records, {summary.files} "
                 f"files) written to {summary.path}")


@_handled
def cmd_restore(args: argparse.Namespace) -> int:
    from terminal.till.backup import BackupError, restore

    try:
        summary = restore(args.archive, args.data_dir, _secret())
    except BackupError as exc:
        raise _Refused(str(exc)) from None
    return _emit(args, {"ok": True, **summary.to_dict()},
                 f"till {summary.terminal_id} restored to {summary.path}: key store opens, journal intact "
                 f"({summary.journal_seq} records); it sells again once the hub confirms it holds nothing newer "
                 f"(edgepos run checks; edgepos till catch-up fetches what is missing)")
