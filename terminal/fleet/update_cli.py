"""`edgepos update apply --version V` and `edgepos update run-request` (root): install a signed package from the
fleet's apt repository, only upwards, rolled back when it fails (terminal.fleet.updater).

`run-request` is what edgepos-update.service (started by edgepos-update.path when the sync daemon writes
update-request.json) runs: it applies the requested version and writes update-result.json for the daemon to report
at its next check-in. Repository: --repo or $EDGEPOS_UPDATE_REPO (/etc/edgepos/update.env).
Exit codes: 0 installed; 1 bad input; 9 refused (unsigned, altered, not higher: nothing changed); 10 failed and
rolled back.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

EXIT_OK, EXIT_ERROR, EXIT_REFUSED, EXIT_ROLLED_BACK = 0, 1, 9, 10


def register(commands: argparse._SubParsersAction) -> None:
    update = commands.add_parser("update", help="install a signed software update (root)").add_subparsers(
        metavar="ACTION")
    apply = update.add_parser("apply", help="install VERSION from the signed repository; roll back if it fails")
    _common(apply)
    apply.add_argument("--version", required=True)
    apply.set_defaults(handler=cmd_apply)
    request = update.add_parser("run-request", help="apply the version the sync daemon asked for")
    _common(request)
    request.add_argument("--data-dir", type=Path, default=os.environ.get("EDGEPOS_DATA_DIR") or None)
    request.set_defaults(handler=cmd_run_request)


def _common(parser: argparse.ArgumentParser) -> None:
    from terminal.fleet.updater import KEYRING, STATE

    parser.add_argument("--repo", default=os.environ.get("EDGEPOS_UPDATE_REPO"),
                        help="the apt repository (URL or path; default $EDGEPOS_UPDATE_REPO)")
    parser.add_argument("--keyring", type=Path, default=KEYRING, help=f"archive keyring (default {KEYRING})")
    parser.add_argument("--package", default="edgepos")
    parser.add_argument("--state-dir", type=Path, default=STATE, help=f"kept packages (default {STATE})")
    parser.add_argument("--check", default="/usr/bin/edgepos --version",
                        help="the health check run after installing (default: /usr/bin/edgepos --version)")
    parser.add_argument("--json", action="store_true")


def _apply(args: argparse.Namespace, version: str) -> tuple[int, dict]:
    from terminal.fleet.updater import Updater, UpdateRefused

    if not args.repo:
        return EXIT_ERROR, {"ok": False, "code": "bad_input", "detail": "say which repository: --repo or "
                                                                        "$EDGEPOS_UPDATE_REPO"}
    updater = Updater(args.repo, package=args.package, keyring=args.keyring, state_dir=args.state_dir,
                      check=args.check.split())
    try:
        result = updater.apply(version)
    except UpdateRefused as exc:
        return EXIT_REFUSED, {"ok": False, "code": exc.code, "detail": exc.message}
    return (EXIT_OK if result.ok else EXIT_ROLLED_BACK), {"ok": result.ok, "code": result.code,
                                                          "installed": result.installed, "detail": result.detail}


def _say(args: argparse.Namespace, code: int, data: dict) -> int:
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
    else:
        print(f"edgepos update: {data.get('detail') or data.get('code')}", file=sys.stdout if code == 0 else
              sys.stderr)
    return code


def cmd_apply(args: argparse.Namespace) -> int:
    code, data = _apply(args, args.version)
    return _say(args, code, data)


def cmd_run_request(args: argparse.Namespace) -> int:
    from terminal.fleet.agent import UPDATE_REQUEST, UPDATE_RESULT, _write_marker

    if args.data_dir is None:
        return _say(args, EXIT_ERROR, {"ok": False, "code": "bad_input", "detail": "say which till: --data-dir"})
    request_path = args.data_dir / UPDATE_REQUEST
    try:
        request = json.loads(request_path.read_text())
    except (OSError, ValueError):
        return _say(args, EXIT_ERROR, {"ok": False, "code": "bad_input", "detail": "no update request"})
    code, data = _apply(args, str(request.get("version", "")))
    _write_marker(args.data_dir / UPDATE_RESULT, json.dumps({"action_id": request.get("action_id"), **data}))
    request_path.unlink(missing_ok=True)
    return _say(args, code, data)
