"""`edgepos kiosk`, `edgepos attendant`, `edgepos bench kiosk` and `edgepos demo --kiosk` (registered by
terminal/cli.py with one call; nothing heavy is imported until a command runs)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_ERROR, EXIT_MUST_NOT_SELL = 0, 1, 5  # 5 as `edgepos run`: the hub holds newer records


def register(commands: argparse._SubParsersAction, bench: argparse._SubParsersAction) -> None:
    kiosk = commands.add_parser("kiosk", help="the self-checkout kiosk lane (customer screens, locked down)")
    kiosk.add_argument("--data-dir", type=Path, help="the lane's till directory (edgepos till init + kiosk.toml)")
    kiosk.add_argument("--windowed", action="store_true", help="not locked down (set-up and testing)")
    kiosk.add_argument("--size", metavar="WxH", help="window size with --windowed, e.g. 1024x768")
    kiosk.add_argument("--print-key", action="store_true",
                       help="print this lane's public key (hex) for the station's station.toml, and exit")
    kiosk.add_argument("--headless", action="store_true",
                       help="no window: scripted customers on the demo rig, then the numbers")
    kiosk.add_argument("--sessions", type=int, default=48, help="customers with --headless (default 48)")
    kiosk.add_argument("--seed", type=int, default=13, help="random seed with --headless (default 13)")
    kiosk.add_argument("--broker", help="MQTT broker for --headless (default: an in-process bus)")
    kiosk.add_argument("--screenshot", type=Path, metavar="DIR", help="render the kiosk's screens to PNGs in DIR")
    kiosk.add_argument("--json", action="store_true", help="print one JSON object (with --headless)")
    kiosk.set_defaults(handler=cmd_kiosk)
    attendant = commands.add_parser("attendant", help="the attendant station: every kiosk lane live, approvals")
    attendant.add_argument("--data-dir", type=Path, required=True,
                           help="the station's directory (edgepos till init, its staff, station.toml)")
    attendant.add_argument("--print-key", action="store_true", help="print the station's public key and exit")
    attendant.add_argument("--size", metavar="WxH", help="window size, e.g. 1280x800")
    attendant.set_defaults(handler=cmd_attendant)
    bench_kiosk = bench.add_parser("kiosk", help="scripted kiosk customers: interventions, crash, p99 per action")
    bench_kiosk.add_argument("--sessions", type=int, default=96, help="customers (default 96)")
    bench_kiosk.add_argument("--seed", type=int, default=13)
    bench_kiosk.add_argument("--broker", help="MQTT broker URL for the station's approvals (default in-process)")
    bench_kiosk.add_argument("--json", action="store_true", help="print one JSON object")
    bench_kiosk.set_defaults(handler=cmd_bench_kiosk, headless=True, screenshot=None)


def add_demo_option(demo: argparse.ArgumentParser) -> None:
    demo.add_argument("--kiosk", action="store_true",
                      help="a self-checkout lane, its device panel and an attendant station on the demo store")
    demo.add_argument("--broker", help="with --kiosk: the MQTT broker (default: 127.0.0.1:1883, else a Mosquitto "
                                       "started for the demo, else an in-process bus)")


def _emit(args: argparse.Namespace, data: dict[str, Any], text: str, code: int) -> int:
    print(json.dumps(data, ensure_ascii=False) if getattr(args, "json", False) else text)
    return code


def _fail(args: argparse.Namespace, message: str) -> int:
    if getattr(args, "json", False):
        print(json.dumps({"ok": False, "error": message}, ensure_ascii=False))
    else:
        print(f"edgepos: {message}", file=sys.stderr)
    return EXIT_ERROR


def _size(args: argparse.Namespace) -> tuple[int, int] | None:
    from terminal.ui.app import parse_size

    return parse_size(args.size) if args.size else None


def _secret() -> bytes | None:
    from sync.keystore import SECRET_ENV

    value = os.environ.get(SECRET_ENV, "")
    return value.encode() if value else None


def cmd_bench_kiosk(args: argparse.Namespace) -> int:
    return _headless(args)


def _headless(args: argparse.Namespace) -> int:
    from terminal.kiosk.headless import run_headless

    if args.sessions < 1:
        return _fail(args, "--sessions must be at least 1")
    result = run_headless(args.sessions, seed=args.seed, broker=args.broker)
    text = (f"kiosk: {result['sessions']} customers, {result['completed']} paid, {result['abandoned']} abandoned, "
            f"{result['failed']} failed; {result['interventions']} interventions (attendant p50 "
            f"{result['attendant_p50_s']} s, simulated); lost {result['lost']}, charged twice "
            f"{result['charged_twice']}; customer action p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms over "
            f"{result['actions']} actions ({result['transport']} attendant link)")
    bad = result["lost"] or result["charged_twice"] or result["failed"]
    return _emit(args, result, text, EXIT_ERROR if bad else EXIT_OK)


def cmd_kiosk(args: argparse.Namespace) -> int:
    if args.headless:
        return _headless(args)
    if args.screenshot is not None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from terminal.ui.kiosk.run import render_screens

        with tempfile.TemporaryDirectory(prefix="edgepos-kiosk-shots-") as where:
            for path in render_screens(args.screenshot, Path(where)):
                print(path)
        return EXIT_OK
    if args.data_dir is None:
        return _fail(args, "give --data-dir (a till set up with `edgepos till init` and a kiosk.toml), or try "
                           "`edgepos demo --kiosk`")
    from terminal.bootstrap import TillUnavailable
    from terminal.kiosk.config import KioskConfigError
    from terminal.kiosk.wiring import MustNotSell, open_lane
    from terminal.till.setup import private_files

    try:
        with private_files():  # what the lane writes (bagging, badges, checkpoint) is its user's alone
            real = open_lane(args.data_dir.resolve(), secret=_secret())
    except MustNotSell as exc:
        _fail(args, str(exc))
        return EXIT_MUST_NOT_SELL
    except (TillUnavailable, KioskConfigError) as exc:
        return _fail(args, str(exc))
    with real:
        if args.print_key:
            print(real.store.till.keystore.public_key().hex())
            return EXIT_OK
        recovered = real.wired.recovery
        print(f"edgepos kiosk lane {real.lane.lane_id} open: {real.store.config.store.name}"
              + (f"; recovered after a restart: finished {recovered.finished}, voided {recovered.voided}"
                 if not recovered.clean else "")
              + ("" if real.link is not None else "; no broker configured: calls are cleared at the lane"))
        sys.stdout.flush()
        from terminal.ui.kiosk.run import run_lane

        return run_lane(real, locked=not args.windowed, size=_size(args) if args.windowed else None)


def cmd_attendant(args: argparse.Namespace) -> int:
    from sync.keystore import FileKeyStore, KeyStoreError
    from sync.layout import JOURNAL, KEYS
    from terminal.kiosk.config import KioskConfigError, load_station_config
    from terminal.operators import OperatorStore, operators_path_for, pepper_from_keystore

    where = args.data_dir.resolve()
    secret = _secret()
    if secret is None:
        return _fail(args, "set EDGEPOS_KEY_SECRET to the station's key store secret (set it up with `edgepos till "
                           "init`; its staff with `edgepos operators`)")
    try:
        config = load_station_config(where)
        keystore = FileKeyStore.open(where / KEYS, secret)
    except (KioskConfigError, KeyStoreError, OSError) as exc:
        return _fail(args, str(exc))
    if args.print_key:
        print(keystore.public_key().hex())
        return EXIT_OK
    if not config.lanes:
        return _fail(args, f"{where / 'station.toml'} names no lanes: add [lanes] L1 = \"<key from edgepos kiosk "
                           "--print-key>\"")
    from terminal.kiosk.link import MqttTransport, StationLink, client_id
    from terminal.ui.kiosk.run import run_station

    operators = OperatorStore.open(operators_path_for(where / JOURNAL), pepper_from_keystore(keystore))
    transport = MqttTransport(config.broker.url, client_id=client_id(f"station-{config.station.id}"))
    try:
        link = StationLink(transport, prefix=config.broker.prefix, key=keystore.signing_key(),
                           station_id=config.station.id, lanes={k: bytes.fromhex(v) for k, v in config.lanes.items()})
        print(f"edgepos attendant station {config.station.id}: {len(config.lanes)} lanes on {config.broker.url}")
        sys.stdout.flush()
        return run_station(link, operators, size=_size(args))
    finally:
        transport.close()
        operators.close()


def cmd_demo_kiosk(args: argparse.Namespace) -> int:
    from terminal.ui.kiosk.run import render_screens

    if args.screenshot is not None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        with tempfile.TemporaryDirectory(prefix="edgepos-kiosk-shots-") as where:
            for path in render_screens(args.screenshot, Path(where)):
                print(path)
        return EXIT_OK
    if args.data_dir is None:  # a store for this run only, removed after
        with tempfile.TemporaryDirectory(prefix="edgepos-kiosk-demo-") as temporary:
            return _demo_kiosk(args, Path(temporary))
    return _demo_kiosk(args, args.data_dir.resolve())


def _demo_kiosk(args: argparse.Namespace, where: Path) -> int:
    from terminal.ui.kiosk.run import run_demo

    print("edgepos demo kiosk: a self-checkout lane, its device panel (the customer's hands) and an attendant "
          "station")
    print(f"  data: {where}")
    print("  staff (id, PIN): S-001 Sun 2468 (supervisor), C-001 Chen 1357, T-001 Tao 8642 (technician, may close)")
    sys.stdout.flush()
    size = None
    if args.size:
        from terminal.ui.app import parse_size

        size = parse_size(args.size)
    return run_demo(where, broker_url=args.broker, size=size)
