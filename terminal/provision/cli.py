"""`edgepos provision --code FILE|TEXT [--data-dir DIR] [--json]`: set a terminal up from one provisioning code.

The code is the text the hub printed, a file holding it, or a photo/PNG of its QR code. The first manager's PIN is
typed by the manager (twice, without echo; one per line on stdin for scripts): there is no default PIN.
Exit codes: 0 provisioned; 1 bad input or the till cannot be made here; 4 the hub is unreachable; 6 the code is
refused (malformed, altered, another root, expired, used, config changed); 7 the hub's key does not match the
code's pin (a device in the middle). On any refusal nothing is written.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_ERROR, EXIT_UNREACHABLE, EXIT_CODE_REFUSED, EXIT_HUB_KEY = 0, 1, 4, 6, 7


def register(commands: argparse._SubParsersAction) -> None:
    provision = commands.add_parser("provision", help="set this terminal up from a signed provisioning code",
                                    description="Check the provisioning code offline against the installed root, "
                                                "check the hub's key against the code's pin, make the keys, enrol "
                                                "with the code's one-time nonce, pull config, products, blacklist, "
                                                "rates and the risk-model pointer, run the device self-test and "
                                                "print the provisioning slip. Needs EDGEPOS_KEY_SECRET.")
    provision.add_argument("--code", required=True, help="the code: its text, a file with it, or a PNG/JPEG of its QR")
    provision.add_argument("--data-dir", type=Path, default=os.environ.get("EDGEPOS_DATA_DIR") or None,
                           help="the till's data directory to create (default: $EDGEPOS_DATA_DIR)")
    provision.add_argument("--manager", default="M-001", help="id of the first manager (default M-001)")
    provision.add_argument("--manager-name", help="the first manager's name (default: the id)")
    provision.add_argument("--no-self-test", action="store_true", help="skip the device self-test (slip says so)")
    provision.add_argument("--json", action="store_true", help="print one JSON object")
    provision.set_defaults(handler=cmd_provision)

    start = commands.add_parser("start", help="the terminal's screen: the cashier app on a provisioned till, else "
                                              "the technician screen that scans the provisioning code")
    start.add_argument("--data-dir", type=Path, default=os.environ.get("EDGEPOS_DATA_DIR") or None,
                       help="the till's data directory (default: $EDGEPOS_DATA_DIR)")
    start.add_argument("--fullscreen", action="store_true", help="fill the screen (a kiosk)")
    start.add_argument("--lang", choices=["en", "zh_CN"], default="en", help="screen language (default en)")
    start.set_defaults(handler=cmd_start)
    technician = commands.add_parser("technician", help="the technician's tools on a provisioned till (login with "
                                                        "a technician's id and PIN)")
    technician.add_argument("--data-dir", type=Path, default=os.environ.get("EDGEPOS_DATA_DIR") or None)
    technician.add_argument("--fullscreen", action="store_true")
    technician.add_argument("--lang", choices=["en", "zh_CN"], default="en")
    technician.set_defaults(handler=cmd_technician)


def _out(args: argparse.Namespace, data: dict[str, Any], text: str, code: int) -> int:
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
    elif code == EXIT_OK:
        print(text, end="")
    else:
        print(f"edgepos provision: {text}", file=sys.stderr)
    return code


def cmd_provision(args: argparse.Namespace) -> int:
    from sync.journal import utc_now
    from sync.provisioning import CodeRefused, text_from
    from terminal.operators.pin_hash import valid_pin
    from terminal.provision.flow import HubUnreachable, ProvisionFailed, provision
    from terminal.till.cli import _pin, _Refused, _secret
    from terminal.till.setup import Manager

    def refuse(code: str, message: str, exit_code: int) -> int:
        return _out(args, {"ok": False, "code": code, "error": message}, message, exit_code)

    if args.data_dir is None:
        return refuse("bad_input", "say where the till goes: --data-dir DIR or $EDGEPOS_DATA_DIR", EXIT_ERROR)
    try:
        secret = _secret()
        code_text = text_from(args.code)
        pin = _pin(f"PIN for manager {args.manager} (4 to 12 digits, typed by the manager): ", confirm=True)
    except _Refused as exc:
        return refuse("bad_input", str(exc), EXIT_ERROR)
    except CodeRefused as exc:
        return refuse(exc.code, exc.message, EXIT_CODE_REFUSED)
    if not valid_pin(pin):
        return refuse("bad_input", "a PIN is 4 to 12 digits; nothing was changed", EXIT_ERROR)
    manager = Manager(args.manager, args.manager_name or args.manager, pin)
    try:
        done = provision(code_text, args.data_dir, secret=secret, manager=manager, now=utc_now(),
                         self_test=(lambda: []) if args.no_self_test else None)
    except CodeRefused as exc:
        exit_code = EXIT_HUB_KEY if exc.code == "provision_hub_key_mismatch" else EXIT_CODE_REFUSED
        return refuse(exc.code, exc.message, exit_code)
    except HubUnreachable as exc:
        return refuse("hub_unreachable", str(exc), EXIT_UNREACHABLE)
    except ProvisionFailed as exc:
        return refuse("provision_failed", str(exc), EXIT_ERROR)
    data = {"ok": True, "terminal_id": done.terminal_id, "data_dir": str(done.data_dir.resolve()),
            "merchant": done.merchant, "location": done.location, "profile": done.profile, "hub": done.hub,
            "pulled": done.pulled, "devices": done.devices, "timings": done.timings, "slip": done.slip()}
    return _out(args, data, done.slip(), EXIT_OK)


def cmd_start(args: argparse.Namespace) -> int:
    """Provisioned: the cashier app (as `edgepos run`). Not yet: the provisioning screen, then the cashier app."""
    from sync.layout import CONFIG
    from terminal.till.cli import _Refused, _secret, cmd_run

    if args.data_dir is None:
        print("edgepos start: say which till: --data-dir DIR or $EDGEPOS_DATA_DIR", file=sys.stderr)
        return EXIT_ERROR
    if not (args.data_dir / CONFIG).exists():
        from terminal.ui.technician import run_provisioning

        try:
            secret = _secret()
        except _Refused as exc:
            print(f"edgepos start: {exc}", file=sys.stderr)
            return EXIT_ERROR
        if run_provisioning(args.data_dir, secret=secret, lang=args.lang, fullscreen=args.fullscreen) != 0:
            return EXIT_ERROR
    run_args = argparse.Namespace(data_dir=args.data_dir, fullscreen=args.fullscreen, lang=args.lang, sell=None,
                                  operator=None, json=False)
    return cmd_run(run_args)


def cmd_technician(args: argparse.Namespace) -> int:
    from terminal.bootstrap import TillUnavailable, open_till
    from terminal.till.cli import _Refused, _secret

    if args.data_dir is None:
        print("edgepos technician: say which till: --data-dir DIR or $EDGEPOS_DATA_DIR", file=sys.stderr)
        return EXIT_ERROR
    try:
        store = open_till(args.data_dir, secret=_secret())
    except (TillUnavailable, _Refused) as exc:
        print(f"edgepos technician: {exc}", file=sys.stderr)
        return EXIT_ERROR
    from terminal.ui.technician import run_technician

    with store:
        return run_technician(store, lang=args.lang, fullscreen=args.fullscreen)
