"""The `edgepos` command line. Commands meant for machines take --json; exit codes are documented in the README."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from terminal import __version__

EXIT_OK = 0
EXIT_ERROR = 1  # the command could not do its job (bad input file, missing key store, ...)
EXIT_USAGE = 2  # argparse's own code for a bad command line
EXIT_TAMPERED = 3  # journal verify: a record was altered, removed or reordered


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return EXIT_USAGE
    return args.handler(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="edgepos", description="edgepos payment terminal")
    parser.add_argument("--version", action="version", version=f"edgepos {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    journal = commands.add_parser("journal", help="inspect the terminal journal").add_subparsers(metavar="ACTION")
    verify = journal.add_parser("verify", help="check the hash chain and signatures of a journal")
    verify.add_argument("--db", required=True, type=Path, help="path of the journal file")
    verify.add_argument("--public-key", help="expected terminal public key (hex); default: the one in the journal")
    verify.add_argument("--json", action="store_true", help="print one JSON object")
    verify.set_defaults(handler=cmd_journal_verify)

    bench = commands.add_parser("bench", help="run a benchmark and print its numbers").add_subparsers(metavar="NAME")
    bench_journal = bench.add_parser("journal", help="durable journal appends of realistic sales")
    bench_journal.add_argument("--db", type=Path, help="keep the journal written at this path (must not exist)")
    bench_journal.add_argument("--count", type=int, default=5000, help="sales to append (default 5000)")
    bench_journal.add_argument("--json", action="store_true", help="print one JSON object")
    bench_journal.set_defaults(handler=cmd_bench_journal)
    bench_sync = bench.add_parser("sync", help="drain queued sales to a local hub over loopback; auth round trips")
    bench_sync.add_argument("--count", type=int, default=10_000, help="queued sales to drain (default 10000)")
    bench_sync.add_argument("--auth-calls", type=int, default=500, help="online authorisations timed (default 500)")
    bench_sync.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    bench_sync.add_argument("--dsn", help="PostgreSQL server to make a scratch schema on (default: local server)")
    bench_sync.add_argument("--json", action="store_true", help="print one JSON object")
    bench_sync.set_defaults(handler=cmd_bench_sync)
    bench_checkout = bench.add_parser("checkout", help="scripted sales end to end through the checkout and a hub")
    bench_checkout.add_argument("--sales", type=int, default=200, help="sales to run (default 200)")
    bench_checkout.add_argument("--data-dir", type=Path, help="keep the journal and hub database here (new dir)")
    bench_checkout.add_argument("--json", action="store_true", help="print one JSON object")
    bench_checkout.set_defaults(handler=cmd_bench_checkout)
    demo = commands.add_parser("demo", help="open a working demo store: cashier app, simulated devices, local hub")
    demo.add_argument("--data-dir", type=Path, help="keep the store here; the same directory again reopens it")
    demo.add_argument("--lang", choices=["en", "zh_CN"], default="en", help="cashier app language (default en)")
    demo.add_argument("--devices", choices=["auto", "pcscd", "inprocess"],
                      help="cards: auto (the app: the virtual card through pcscd when this machine has it, else "
                           "in-process; --headless: in-process, as pcscd takes ~0.4 s to notice each card)")
    demo.add_argument("--headless", action="store_true", help="no window: run scripted sales and print the numbers")
    demo.add_argument("--sales", type=int, default=60, help="scripted sales with --headless (default 60)")
    demo.add_argument("--seed", type=int, default=7, help="random seed of the scripted sales (default 7)")
    demo.add_argument("--screenshot", type=Path, metavar="DIR", help="render every screen to PNGs in DIR and exit")
    demo.add_argument("--json", action="store_true", help="print one JSON object (with --headless)")
    demo.add_argument("--fullscreen", action="store_true", help="the cashier window fills the screen")
    demo.add_argument("--size", metavar="WxH",
                      help="the cashier window's size, e.g. 1024x768 (default: 1280x800 made to fit the screen)")
    demo.set_defaults(handler=cmd_demo)
    from terminal.kiosk.cli import add_demo_option

    add_demo_option(demo)  # --kiosk: a self-checkout lane and an attendant station (issue 13)
    register_bench_startup(bench)
    # commands of other packages register themselves (their modules import nothing heavy until a command runs)
    from bench.auth import register as register_bench_auth
    from bench.batch import register as register_bench_batch
    from bench.cbdc_cli import register as register_bench_cbdc
    from bench.fleet import register as register_bench_fleet
    from bench.provision import register as register_bench_provision
    from bench.reconcile import register as register_bench_reconcile
    from drivers.cli import register as register_drivers
    from hub.backoffice.cli import register as register_backoffice
    from hub.cli import register as register_hub
    from models.cli import register as register_models
    from sync.cli import register as register_sync
    from terminal.cbdc.cli import register as register_cbdc
    from terminal.fleet.cli import register as register_fleet
    from terminal.fleet.update_cli import register as register_update
    from terminal.kiosk.cli import register as register_kiosk
    from terminal.provision.cli import register as register_provision
    from terminal.till.cli import register as register_till

    register_hub(commands)
    register_sync(commands)
    register_drivers(commands, bench)
    register_models(commands, bench)
    register_bench_auth(bench)
    register_backoffice(commands)
    register_bench_reconcile(bench)
    register_bench_batch(bench)
    register_till(commands)
    register_cbdc(commands)
    register_bench_cbdc(bench)
    register_kiosk(commands, bench)
    register_bench_provision(bench)
    register_bench_fleet(bench)
    register_provision(commands)
    register_fleet(commands)
    register_update(commands)
    return parser


def cmd_journal_verify(args: argparse.Namespace) -> int:
    from sync.journal import JournalDamaged, JournalError
    from sync.verify import verify_journal

    try:
        pinned = bytes.fromhex(args.public_key) if args.public_key else None
    except ValueError:
        return _fail(args, "--public-key must be hex")
    try:
        report = verify_journal(args.db, pinned)
    except JournalError as exc:
        if isinstance(exc, JournalDamaged):  # our journal, but SQLite cannot read it back: damage, not bad input
            return _emit(args, {"path": str(args.db), "ok": False, "first_bad_seq": None, "problem": str(exc)},
                         str(exc), EXIT_TAMPERED)
        return _fail(args, str(exc))
    if report.ok:
        text = f"{args.db}: intact, {report.records} records, terminal {report.terminal_id}"
        return _emit(args, report.to_dict(), text, EXIT_OK)
    where = f"first bad record: {report.first_bad_seq}" if report.first_bad_seq else "file damaged"
    text = f"{args.db}: TAMPERED - {where}: {report.problem} ({report.records} records good before it)"
    return _emit(args, report.to_dict(), text, EXIT_TAMPERED)


def cmd_bench_journal(args: argparse.Namespace) -> int:
    from bench.journal import run

    if args.count < 1:
        return _fail(args, "--count must be at least 1")
    if args.db is not None and (args.db.exists() or args.db.is_symlink()):
        return _fail(args, f"{args.db}: already exists; the benchmark writes a new journal")
    result = run(count=args.count, db=args.db)
    text = (f"journal appends: p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, "
            f"{result['appends_per_second']} appends/s over {result['appends']} sales")
    return _emit(args, result, text, EXIT_OK)


def cmd_bench_sync(args: argparse.Namespace) -> int:
    from bench.sync import run

    if args.count < 1 or args.auth_calls < 1:
        return _fail(args, "--count and --auth-calls must be at least 1")
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    result = run(count=args.count, auth_calls=args.auth_calls, backends=backends, dsn=args.dsn)
    lines = []
    for backend, numbers in result.items():
        if "error" in numbers:
            lines.append(f"{backend}: could not run: {numbers['error']}")
            continue
        lines.append(f"{backend}: drained {numbers['sales']} sales in {numbers['drain_seconds']} s, "
                     f"lost {numbers['lost']}, duplicated {numbers['duplicated']}; ingest "
                     f"{numbers['postings_per_second']} postings/s; auth p50 {numbers['auth_p50_ms']} ms, "
                     f"p99 {numbers['auth_p99_ms']} ms")
    failed = any("error" in numbers or numbers["lost"] or numbers["duplicated"] for numbers in result.values())
    return _emit(args, result, "\n".join(lines), EXIT_ERROR if failed else EXIT_OK)


def cmd_bench_checkout(args: argparse.Namespace) -> int:
    from bench.checkout import run

    if args.sales < 1:
        return _fail(args, "--sales must be at least 1")
    if args.data_dir is not None and args.data_dir.exists() and any(args.data_dir.iterdir()):
        return _fail(args, f"{args.data_dir}: not empty; the benchmark starts a new till and hub there")
    result = run(sales=args.sales, data_dir=args.data_dir)
    text = (f"checkout: {result['sales']} sales, {result['approved']} approved, {result['declined']} declined "
            f"tenders, {result['stepped_up']} stepped up, {result['offline']} offline; synced {result['synced']}, "
            f"lost {result['lost']}; tender to durable approval p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms")
    return _emit(args, result, text, EXIT_ERROR if result["lost"] or result["duplicated"] else EXIT_OK)


def cmd_demo(args: argparse.Namespace) -> int:
    if args.kiosk:
        from terminal.kiosk.cli import cmd_demo_kiosk

        return cmd_demo_kiosk(args)
    if args.headless:
        return _demo_headless(args)
    from terminal.demo import describe, open_demo_store

    try:
        if args.screenshot is not None:
            from terminal.ui.screenshots import render_all as ui_entry
        else:
            from terminal.ui.app import run_cashier as ui_entry
    except ImportError as exc:
        return _fail(args, f"the cashier app is not available in this installation ({exc}); "
                           "try: edgepos demo --headless")
    from terminal.demo.script import daytime_clock
    from terminal.ui.app import parse_size

    try:
        size = parse_size(args.size) if args.size else None
    except ValueError as exc:
        return _fail(args, str(exc))
    # same risk decisions at any hour for screenshots; the window comes up first, the hub and devices behind it
    opts = {"clock": daytime_clock()} if args.screenshot is not None else {"background": True}
    with open_demo_store(args.data_dir, devices=args.devices or "auto", **opts) as store:
        print("edgepos demo store is open")
        for line in describe(store):
            print(f"  {line}")
        sys.stdout.flush()
        if args.screenshot is not None:
            for path in ui_entry(store, args.screenshot, lang=args.lang):
                print(path)
            return EXIT_OK
        return ui_entry(store, lang=args.lang, fullscreen=args.fullscreen, size=size)


def register_bench_startup(bench: argparse._SubParsersAction) -> None:
    startup = bench.add_parser("startup", help="cashier app start-up: window painted, hub and devices up, memory")
    startup.add_argument("--sales", type=int, default=20, help="scripted sales before memory is read (default 20)")
    startup.add_argument("--runs", type=int, default=3, help="launches, each on a fresh store (default 3; medians)")
    startup.add_argument("--devices", choices=["inprocess", "auto", "pcscd"], default="inprocess",
                         help="cards as `edgepos demo --devices` (default inprocess: no pcscd shared with tests)")
    startup.add_argument("--json", action="store_true", help="print one JSON object")
    startup.set_defaults(handler=cmd_bench_startup)


def cmd_bench_startup(args: argparse.Namespace) -> int:
    from bench.startup import run

    if args.sales < 0 or args.runs < 1:
        return _fail(args, "--sales must be 0 or more and --runs at least 1")
    try:
        result = run(sales=args.sales, runs=args.runs, devices=args.devices)
    except RuntimeError as exc:
        return _fail(args, str(exc))
    text = (f"start-up ({result['platform']}): login window painted {result['window_ms']} ms after launch "
            f"({result['window_cpu_ms']} ms CPU; {result['window_ms_reopened']} ms reopening a store), hub and "
            f"devices up at {result['ready_ms']} ms; app {result['rss_mb']} MB after {result['sales']} sales "
            f"(hub child {result['hub_rss_mb']} MB)")
    return _emit(args, result, text, EXIT_OK)


def _demo_headless(args: argparse.Namespace) -> int:
    from terminal.demo.script import run_headless

    if args.sales < 1:
        return _fail(args, "--sales must be at least 1")
    result = run_headless(args.data_dir, sales=args.sales, seed=args.seed, devices=args.devices or "inprocess")
    text = (f"demo: {result['sales']} sales, {result['approved']} approved, {result['declined']} declined tenders, "
            f"{result['stepped_up']} stepped up, {result['offline']} offline; synced {result['synced']}, "
            f"lost {result['lost']}, ledger {'balanced' if result['balanced'] else 'NOT BALANCED'}; "
            f"tender to durable approval p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms\n"
            f"{result['device_note']}\ndata: {result['data_dir']}")
    ok = not result["lost"] and not result["duplicated"] and result["balanced"]
    return _emit(args, result, text, EXIT_OK if ok else EXIT_ERROR)


def _emit(args: argparse.Namespace, data: dict[str, object], text: str, code: int) -> int:
    print(json.dumps(data, ensure_ascii=False) if args.json else text)
    return code


def _fail(args: argparse.Namespace, message: str) -> int:
    if args.json:
        print(json.dumps({"ok": False, "error": message}, ensure_ascii=False))
    else:
        print(f"edgepos: {message}", file=sys.stderr)
    return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
