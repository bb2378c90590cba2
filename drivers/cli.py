"""`edgepos` commands of the drivers package (registered by terminal/cli.py). Heavy imports happen inside handlers."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def register(commands: argparse._SubParsersAction, bench: argparse._SubParsersAction) -> None:
    """Add this package's commands, and its benchmarks under `edgepos bench`, to the `edgepos` parser."""
    doctor = commands.add_parser("doctor", help="find every payment device, self-test it and print a table")
    doctor.add_argument("--simulate", action="store_true",
                        help="start the simulators on the real stacks (pcscd+vpcd card, pty scanner, video camera, "
                             "TCP printer, NFC over UDP) and test those")
    doctor.add_argument("--unplug", action="append", default=[], metavar="DEVICE",
                        choices=["card", "scanner", "camera", "printer", "nfc"],
                        help="with --simulate: pull this simulated device first, to see what a failure looks like")
    doctor.add_argument("--data-dir", help="test the devices a till's config names (its till.toml [devices]) "
                        "instead of EDGEPOS_PRINTER, EDGEPOS_SCANNER, EDGEPOS_CAMERA")
    doctor.add_argument("--json", action="store_true", help="print one JSON object")
    doctor.set_defaults(handler=cmd_doctor)

    devices = bench.add_parser("devices", help="EMV contact flow via pcscd, QR decode per frame, receipt render")
    devices.add_argument("--rounds", type=int, default=20, help="EMV transactions timed (default 20)")
    devices.add_argument("--frames", type=int, default=300, help="640x480 frames decoded (default 300)")
    devices.add_argument("--json", action="store_true", help="print one JSON object")
    devices.set_defaults(handler=cmd_bench_devices)


def cmd_doctor(args: argparse.Namespace) -> int:
    """Exit 0 only when every device is ok; 1 otherwise; 2 for --unplug without --simulate."""
    import logging

    import nfc  # noqa: F401  (its import sets the "nfc" logger to INFO: quieten it after)

    from drivers import doctor

    logging.getLogger("nfc").setLevel(logging.WARNING)  # nfcpy reports every poll at INFO

    if args.unplug and not args.simulate:
        print("edgepos doctor: --unplug only applies with --simulate", file=sys.stderr)
        return 2
    if args.simulate:
        with doctor.simulated_checks(args.unplug) as rows:
            pass
    else:
        if args.data_dir:
            try:
                os.environ.update(till_devices_env(Path(args.data_dir)))
            except ValueError as exc:
                print(f"edgepos doctor: {exc}", file=sys.stderr)
                return 1
        rows = doctor.real_checks()
    code = 0 if all(r.ok for r in rows) else 1
    if args.json:
        print(json.dumps({"devices": [r.to_dict() for r in rows]}, ensure_ascii=False))
    else:
        print(doctor.format_table(rows, color=sys.stdout.isatty()))
    return code


CONFIG = "till.toml"  # sync.layout.CONFIG (drivers import nothing above them)


def till_devices_env(data_dir: Path) -> dict[str, str]:
    """The doctor's device variables from a till's config file (`[devices]` of till.toml; `none`: not set)."""
    import tomllib

    try:
        with (data_dir / CONFIG).open("rb") as handle:
            devices = tomllib.load(handle).get("devices", {})
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{data_dir / CONFIG}: cannot read the till config ({exc})") from None
    env = {}
    for key, variable, prefix in (("printer", "EDGEPOS_PRINTER", ""), ("scanner", "EDGEPOS_SCANNER", "serial:"),
                                  ("camera", "EDGEPOS_CAMERA", "camera:")):
        value = str(devices.get(key, "none"))
        if value != "none":
            env[variable] = value.removeprefix(prefix)
    if "scanner_suffix" in devices:
        env["EDGEPOS_SCANNER_SUFFIX"] = str(devices["scanner_suffix"])
    return env


def cmd_bench_devices(args: argparse.Namespace) -> int:
    from bench.devices import run

    if args.rounds < 1 or args.frames < 10:
        print("edgepos bench devices: --rounds >= 1 and --frames >= 10", file=sys.stderr)
        return 1
    result = run(rounds=args.rounds, frames=args.frames)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:20} {value}")
    return 0
