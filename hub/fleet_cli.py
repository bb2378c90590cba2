"""`edgepos hub fleet list|action|group` and `edgepos hub read-diagnostics` (registered by hub/cli.py), straight
against the hub's store on the hub server (the same as the admin API's /v1/admin/fleet endpoints).

Exit codes: 0 ok, 1 refused or bad input (one sentence on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def register(actions: argparse._SubParsersAction, where: Any) -> None:
    fleet = actions.add_parser("fleet", help="terminals, last seen, health; queue remote actions")
    steps = fleet.add_subparsers(metavar="STEP")
    listing = steps.add_parser("list", help="every terminal: group, state, last seen, health, open actions")
    where(listing, argparse.SUPPRESS)
    listing.add_argument("--merchant", help="only this merchant's terminals")
    listing.add_argument("--json", action="store_true", help="print one JSON array")
    listing.set_defaults(handler=cmd_list)
    action = steps.add_parser("action", help="queue a remote action; the terminal runs it at its next sync")
    where(action, argparse.SUPPRESS)
    action.add_argument("terminal", metavar="TERMINAL")
    action.add_argument("action", choices=["resync", "send_logs", "rotate_key", "reload_config", "retire"])
    action.set_defaults(handler=cmd_action)
    group = steps.add_parser("group", help="put a terminal in a group (staged software rollout)")
    where(group, argparse.SUPPRESS)
    group.add_argument("terminal", metavar="TERMINAL")
    group.add_argument("group", metavar="GROUP")
    group.set_defaults(handler=cmd_group)
    rollout = steps.add_parser("rollout", help="a software version for every active terminal of a group (staged: "
                                               "pilot group first)")
    where(rollout, argparse.SUPPRESS)
    rollout.add_argument("--group", required=True)
    rollout.add_argument("--version", required=True)
    rollout.set_defaults(handler=cmd_rollout)
    diagnostics = actions.add_parser("read-diagnostics", help="check and show a terminal's signed diagnostics code "
                                                               "(its text, or a photo/PNG of the QR code)")
    where(diagnostics, argparse.SUPPRESS)
    diagnostics.add_argument("source", metavar="IMAGE|TEXT")
    diagnostics.add_argument("--json", action="store_true", help="print one JSON object")
    diagnostics.set_defaults(handler=cmd_read_diagnostics)


def _store(args: argparse.Namespace) -> Any:
    from hub.store import Store

    return Store.open(path=getattr(args, "db", None) or "edgepos-hub.db", dsn=getattr(args, "dsn", None))


def _run(args: argparse.Namespace, action: Any) -> Any:
    from hub.errors import HubError

    store = _store(args)
    try:
        return store.read(lambda tx: action(tx, store.clock()))
    except HubError as exc:
        print(f"edgepos hub fleet: {exc.message}", file=sys.stderr)
        return None
    finally:
        store.close()


def cmd_list(args: argparse.Namespace) -> int:
    from hub.fleet import fleet

    rows = _run(args, lambda tx, now: fleet(tx, args.merchant))
    if rows is None:
        return 1
    if args.json:
        print(json.dumps([r.model_dump(mode="json") for r in rows], ensure_ascii=False))
        return 0
    for r in rows:
        health = r.health or {}
        print(f"{r.terminal_id:<16} {r.merchant_id:<12} {r.group:<10} {r.state:<9} last seen "
              f"{r.last_seen_at or 'never':<32} queue {health.get('queue_pending', '?'):<5} records {r.last_seq:<7} "
              f"{'actions ' + ','.join(r.open_actions) if r.open_actions else ''}")
    return 0


def cmd_action(args: argparse.Namespace) -> int:
    from hub.fleet import ActionRequest, queue_action

    state = _run(args, lambda tx, now: queue_action(tx, args.terminal, ActionRequest(action=args.action), now))
    if state is None:
        return 1
    print(f"{args.action} queued for {args.terminal} ({state.id}); it runs at the terminal's next sync")
    return 0


def cmd_group(args: argparse.Namespace) -> int:
    from hub.fleet import set_group

    row = _run(args, lambda tx, now: set_group(tx, args.terminal, args.group))
    if row is None:
        return 1
    print(f"{args.terminal} is in group {row.group}")
    return 0


def cmd_rollout(args: argparse.Namespace) -> int:
    from hub.fleet import RolloutRequest, rollout

    done = _run(args, lambda tx, now: rollout(tx, RolloutRequest(group=args.group, version=args.version), now))
    if done is None:
        return 1
    print(f"update to {done.version} queued for {len(done.queued)} terminals of group {done.group}")
    return 0


def cmd_read_diagnostics(args: argparse.Namespace) -> int:
    from hub.terminals import load_terminal
    from sync.provisioning import CodeRefused, read_diagnostics, text_from

    store = _store(args)
    try:
        def key_of(terminal_id: str) -> bytes | None:
            terminal = store.view(lambda tx: load_terminal(tx, terminal_id))
            return terminal.public_key if terminal else None

        report = read_diagnostics(text_from(args.source), key_of)
    except CodeRefused as exc:
        print(f"edgepos hub read-diagnostics: {exc.message}", file=sys.stderr)
        return 1
    finally:
        store.close()
    if args.json:
        print(json.dumps({"ok": True, "verified": True, **report}, ensure_ascii=False))
    else:
        print(f"signed by terminal {report['terminal']} (verified)")
        for key in sorted(k for k in report if k != "terminal"):
            print(f"  {key}: {report[key]}")
    return 0
