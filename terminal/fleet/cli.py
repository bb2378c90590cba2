"""`edgepos fleet checkin` (one sync round, then the health report and the hub's remote actions) and
`edgepos syncd` (the sync daemon: that, every N seconds, with the systemd watchdog).

Exit codes: 0 ok; 1 bad input; 4 the hub is unreachable (records stay queued); 8 the terminal is retired.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_ERROR, EXIT_UNREACHABLE, EXIT_RETIRED = 0, 1, 4, 8
log = logging.getLogger("edgepos.syncd")


def register(commands: argparse._SubParsersAction) -> None:
    fleet = commands.add_parser("fleet", help="this terminal's part in fleet management").add_subparsers(
        metavar="ACTION")
    checkin = fleet.add_parser("checkin", help="sync, report health to the hub and run its remote actions")
    _data_dir(checkin)
    checkin.add_argument("--json", action="store_true", help="print one JSON object")
    checkin.set_defaults(handler=cmd_checkin)
    daemon = commands.add_parser("syncd", help="the sync daemon: sync rounds, health reports and remote actions "
                                               "(systemd: Type=notify, WatchdogSec)")
    _data_dir(daemon)
    daemon.add_argument("--every", type=float, default=30.0, help="seconds between rounds (default 30)")
    daemon.add_argument("--rounds", type=int, default=0, help="stop after this many rounds (0: run until stopped)")
    daemon.set_defaults(handler=cmd_syncd)


def _data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, default=os.environ.get("EDGEPOS_DATA_DIR") or None,
                        help="the till's data directory (default: $EDGEPOS_DATA_DIR)")


@contextmanager
def agent_for(data_dir: Path, secret: bytes):
    """The fleet agent of the till in `data_dir`, with its journal, hub client and uplink."""
    from sync.hub_client import HubClient
    from sync.journal import Journal
    from sync.keystore import FileKeyStore
    from sync.layout import JOURNAL, KEYS
    from sync.state import SyncState, state_path_for
    from sync.uplink import Uplink
    from terminal.fleet.agent import FleetAgent, recover_rotation
    from terminal.provision.flow import apply_store_values
    from terminal.till.config import load_config

    config = load_config(data_dir)
    recover_rotation(data_dir, secret, config.hub.url)
    keystore = FileKeyStore.open(data_dir / KEYS, secret)
    with ExitStack() as stack:
        journal = stack.enter_context(Journal.open(data_dir / JOURNAL, keystore))
        state = stack.enter_context(SyncState.open(state_path_for(journal.path)))
        client = stack.enter_context(HubClient(keystore, config.hub.url))
        uplink = stack.enter_context(Uplink(journal, client, state=state))
        yield FleetAgent(data_dir, journal, client, uplink, devices=_device_rows(data_dir),
                         reload_config=lambda values: apply_store_values(data_dir, values), keystore=keystore,
                         secret=secret)


def _device_rows(data_dir: Path):
    """The last device self-test (written by `edgepos doctor` from the technician screen or at daemon start)."""
    path = data_dir / "device-health.json"

    def rows() -> list[dict[str, Any]]:
        try:
            return list(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return []

    return rows


def _open_error(exc: Exception) -> str:
    return str(exc)


def cmd_checkin(args: argparse.Namespace) -> int:
    from terminal.fleet.agent import RETIRED
    from terminal.till.cli import _Refused, _secret

    if args.data_dir is None:
        return _say(args, {"ok": False, "error": "say which till: --data-dir DIR"}, EXIT_ERROR)
    if (args.data_dir / RETIRED).exists():
        return _say(args, {"ok": False, "error": "this terminal is retired; its keys are wiped"}, EXIT_RETIRED)
    try:
        with agent_for(args.data_dir, _secret()) as agent:
            round_report = agent.uplink.sync_once()
            outcome = agent.checkin(round_report)
    except _Refused as exc:
        return _say(args, {"ok": False, "error": str(exc)}, EXIT_ERROR)
    except Exception as exc:  # the key store, the config or the journal: one sentence
        return _say(args, {"ok": False, "error": f"{type(exc).__name__}: {exc}"}, EXIT_ERROR)
    data = {"ok": outcome.reported or outcome.retired, "reported": outcome.reported, "retired": outcome.retired,
            "pending": round_report.pending, "error": outcome.error,
            "actions": [{"id": i, "action": a, "ok": ok, "detail": d} for i, a, ok, d in outcome.ran]}
    code = EXIT_RETIRED if outcome.retired else EXIT_OK if outcome.reported else EXIT_UNREACHABLE
    return _say(args, data, code)


def _say(args: argparse.Namespace, data: dict[str, Any], code: int) -> int:
    if getattr(args, "json", False):
        print(json.dumps(data, ensure_ascii=False))
    elif code == EXIT_OK:
        lines = [f"health reported; queue {data.get('pending', 0)} pending"]
        lines += [f"action {a['action']} ({a['id']}): {'done' if a['ok'] else 'not done'} - {a['detail']}"
                  for a in data.get("actions", [])]
        print("\n".join(lines))
    else:
        print(f"edgepos fleet: {data.get('error') or 'retired'}", file=sys.stderr)
    return code


def cmd_syncd(args: argparse.Namespace) -> int:
    """Sync rounds and check-ins until SIGTERM; tells systemd READY=1, WATCHDOG=1 after each round, STOPPING=1."""
    from terminal.fleet.agent import RETIRED
    from terminal.fleet.notify import Notifier
    from terminal.till.cli import _Refused, _secret

    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    if args.data_dir is None:
        print("edgepos syncd: say which till: --data-dir DIR or $EDGEPOS_DATA_DIR", file=sys.stderr)
        return EXIT_ERROR
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    notify = Notifier()
    try:
        secret = _secret()
    except _Refused as exc:
        print(f"edgepos syncd: {exc}", file=sys.stderr)
        return EXIT_ERROR
    rounds = 0
    with agent_for(args.data_dir, secret) as agent:
        notify.ready(f"syncing {agent.journal.terminal_id}")
        while not stop.is_set():
            report = agent.uplink.sync_once()
            outcome = agent.checkin(report)
            notify.watchdog(f"queue {report.pending}; " + ("reported" if outcome.reported else
                                                           f"not reported: {outcome.error}"))
            rounds += 1
            if outcome.retired or (args.data_dir / RETIRED).exists():
                log.info("terminal retired; the sync daemon stops")
                notify.stopping()
                return EXIT_RETIRED
            if args.rounds and rounds >= args.rounds:
                break
            stop.wait(args.every)
    notify.stopping()
    return EXIT_OK
