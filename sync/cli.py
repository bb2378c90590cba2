"""`edgepos` commands of the sync package (registered by terminal/cli.py). Heavy imports happen inside handlers.

`edgepos sync` forces one round with the hub and shows the queue; `--status` shows it without contacting the hub;
`edgepos sync enrol --merchant M` registers the terminal's key with a one-time enrolment code (from
$EDGEPOS_ENROL_CODE, else read from stdin, without echo on a terminal; never from the command line, where other
users and shell histories would see it). Exit codes: 0 ok, 1 bad input or refused by the hub,
3 the hub rejected records (chain alarm: a technician looks), 4 the hub is unreachable (records stay queued).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime

    from sync.journal import Journal
    from sync.state import SyncState
    from sync.uplink import SyncStatus, Uplink

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_REJECTED = 3
EXIT_UNREACHABLE = 4
ENV_JOURNAL, ENV_KEYS, ENV_HUB = "EDGEPOS_JOURNAL", "EDGEPOS_KEYS", "EDGEPOS_HUB"
ENV_ENROL_CODE = "EDGEPOS_ENROL_CODE"


class _BadInput(Exception):
    pass


def register(commands: argparse._SubParsersAction) -> None:
    """Add this package's commands to the `edgepos` parser."""
    sync = commands.add_parser("sync", help="force a sync round with the hub and show the queue")
    _common(sync, None)
    sync.add_argument("--status", action="store_true", help="show the queue without contacting the hub")
    sync.set_defaults(handler=cmd_sync)
    actions = sync.add_subparsers(metavar="ACTION")
    enrol = actions.add_parser("enrol", help="register this terminal's key with the hub",
                               description=f"Register this terminal's key with a one-time enrolment code from the "
                                           f"hub administrator (`edgepos hub enrol-code`): ${ENV_ENROL_CODE}, else "
                                           "stdin (asked without echo on a terminal).")
    _common(enrol, argparse.SUPPRESS)  # SUPPRESS: options given before `enrol` are not reset by its defaults
    enrol.add_argument("--merchant", required=True, help="merchant id the terminal belongs to")
    enrol.set_defaults(handler=cmd_enrol)


def _common(parser: argparse.ArgumentParser, default: Any) -> None:
    parser.add_argument("--data-dir", default=default, help="a till's data directory (edgepos till init): its "
                        "journal, key store and hub, instead of --db, --keys and --hub (default: $EDGEPOS_DATA_DIR)")
    parser.add_argument("--db", default=default, help=f"journal file (default: ${ENV_JOURNAL})")
    parser.add_argument("--keys", default=default, help=f"key store file (default: ${ENV_KEYS}); "
                        "its secret comes from $EDGEPOS_KEY_SECRET")
    parser.add_argument("--hub", default=default, help=f"hub URL, e.g. http://127.0.0.1:8470 (default: ${ENV_HUB})")
    parser.add_argument("--json", action="store_true", default=False if default is None else default,
                        help="print one JSON object")


def cmd_sync(args: argparse.Namespace) -> int:
    from sync.journal import JournalError
    from sync.state import StateError
    from sync.uplink import sync_status

    with ExitStack() as stack:
        try:
            journal, state, uplink = _open(args, stack, need_hub=not args.status)
        except _BadInput as exc:
            return _fail(args, str(exc))
        if uplink is None:
            status = sync_status(journal, state, _now())
            return _emit(args, {"ok": True, **status.to_dict(), "round": None}, _status_text(status), EXIT_OK)
        try:
            report = uplink.sync_once(pull=True)
            status = uplink.status()
        except (JournalError, StateError) as exc:  # the journal or state file failed under us: say so, no traceback
            return _fail(args, str(exc))
        code = (EXIT_REJECTED if report.alarm else EXIT_UNREACHABLE if report.unreachable
                else EXIT_ERROR if report.errors else EXIT_OK)
        text = _status_text(status) + (
            f"\nthis round: sent {report.sent}, acknowledged {report.acknowledged}, declined {report.declined}"
            f" in {report.duration_s:.2f} s" + "".join(f"\nerror: {e}" for e in report.errors))
        return _emit(args, {"ok": report.ok, **status.to_dict(), "round": report.to_dict()}, text, code)
    return EXIT_ERROR  # unreachable: ExitStack does not swallow exceptions


def cmd_enrol(args: argparse.Namespace) -> int:
    from sync.hub_client import HubRefused, HubUnavailable
    from sync.state import StateError

    code = _enrol_code()
    if not code:
        return _fail(args, f"no enrolment code: set {ENV_ENROL_CODE} or type it when asked (the hub administrator "
                           "mints one with `edgepos hub enrol-code --merchant M`)")
    with ExitStack() as stack:
        try:
            _, _, uplink = _open(args, stack, need_hub=True)
            assert uplink is not None
            answer = uplink.enrol(args.merchant, code.encode("utf-8", "replace"))
        except _BadInput as exc:
            return _fail(args, str(exc))
        except HubUnavailable as exc:
            return _fail(args, f"{exc}; try again when the hub is reachable", EXIT_UNREACHABLE)
        except HubRefused as exc:
            return _fail(args, f"the hub refused the enrolment: {exc.message}")
        except StateError as exc:  # the state file failed under us: say so, no traceback
            return _fail(args, str(exc))
        data = {"ok": True, "terminal_id": answer.terminal_id, "merchant_id": answer.merchant_id,
                "enrolled_at": answer.enrolled_at.isoformat(), "last_seq": answer.last_seq}
        text = (f"terminal {answer.terminal_id} enrolled at {uplink.client.hub_url} for merchant {answer.merchant_id}; "
                f"the hub holds its records up to {answer.last_seq}")
        return _emit(args, data, text, EXIT_OK)
    return EXIT_ERROR


def _enrol_code() -> str:
    """The one-time code: the environment, else stdin (a prompt without echo when stdin is a terminal)."""
    code = os.environ.get(ENV_ENROL_CODE, "")
    if not code:
        if sys.stdin is None:
            return ""
        if sys.stdin.isatty():
            import getpass

            try:
                code = getpass.getpass("enrolment code: ")
            except (EOFError, KeyboardInterrupt):
                return ""
        else:
            code = sys.stdin.readline()
    return code.strip()


def _open(args: argparse.Namespace, stack: ExitStack, need_hub: bool) -> tuple[Journal, SyncState, Uplink | None]:
    """Key store, journal, state file and (when needed) the uplink, from options or the environment."""
    from sync.hub_client import HubClient
    from sync.journal import Journal, JournalError
    from sync.keystore import FileKeyStore, KeyStoreError, secret_from_env
    from sync.state import StateError, SyncState, state_path_for
    from sync.uplink import Uplink

    db = getattr(args, "db", None) or os.environ.get(ENV_JOURNAL)
    keys = getattr(args, "keys", None) or os.environ.get(ENV_KEYS)
    hub = getattr(args, "hub", None) or os.environ.get(ENV_HUB)
    data_dir_text = getattr(args, "data_dir", None) or (os.environ.get("EDGEPOS_DATA_DIR") if not db else None)
    if data_dir_text:  # a till set up by `edgepos till init`: its files and its config's hub
        from sync import layout

        data_dir = Path(data_dir_text)
        db, keys = str(data_dir / layout.JOURNAL), str(data_dir / layout.KEYS)
        try:
            hub = getattr(args, "hub", None) or layout.hub_url(data_dir)
        except ValueError as exc:
            raise _BadInput(str(exc)) from None
    if not db:
        raise _BadInput(f"say which journal: --db PATH or ${ENV_JOURNAL}")
    if not keys:
        raise _BadInput(f"say which key store: --keys PATH or ${ENV_KEYS}")
    if need_hub and not hub:
        raise _BadInput(f"say which hub: --hub URL or ${ENV_HUB}")
    if need_hub and not hub.startswith(("http://", "https://")):
        raise _BadInput(f"hub URL must start with http:// or https:// (got {hub!r})")
    try:
        keystore = FileKeyStore.open(keys, secret_from_env())
        journal = stack.enter_context(Journal.open(db, keystore))
        state = stack.enter_context(SyncState.open(state_path_for(db)))
    except (KeyStoreError, JournalError, StateError) as exc:
        raise _BadInput(str(exc)) from None
    if not need_hub:
        return journal, state, None
    client = stack.enter_context(HubClient(keystore, hub))
    return journal, state, stack.enter_context(Uplink(journal, client, state=state))


def _status_text(status: SyncStatus) -> str:
    age = f", oldest {status.oldest_pending_age_s:.0f} s old" if status.oldest_pending_age_s is not None else ""
    lines = [
        f"queue: {status.pending} pending{age}",
        f"enrolled: {'merchant ' + status.merchant_id if status.enrolled else 'no'}"
        + (f", hub holds up to record {status.last_hub_seq}" if status.last_hub_seq is not None else ""),
        f"last success: {status.last_success_at or 'never'}",
        f"last error: {status.last_error or 'none'}",
    ]
    if status.skew_ms is not None:
        lines.append(f"clock skew: {status.skew_ms} ms (hub minus terminal)")
    if status.alarm:
        lines.append(f"ALARM: {status.alarm}")
    return "\n".join(lines)


def _now() -> datetime:
    from sync.journal import utc_now

    return utc_now()


def _emit(args: argparse.Namespace, data: dict[str, Any], text: str, code: int) -> int:
    print(json.dumps(data, ensure_ascii=False) if args.json else text)
    return code


def _fail(args: argparse.Namespace, message: str, code: int = EXIT_ERROR) -> int:
    if getattr(args, "json", False):
        print(json.dumps({"ok": False, "error": message}, ensure_ascii=False))
    else:
        print(f"edgepos: {message}", file=sys.stderr)
    return code
