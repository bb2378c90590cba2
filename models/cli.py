"""`edgepos` commands of the models package (registered by terminal/cli.py). Heavy imports happen inside handlers."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from models.features import PROFILES


def register(commands: argparse._SubParsersAction, bench: argparse._SubParsersAction) -> None:
    """Add this package's commands, and its benchmarks under `edgepos bench`, to the `edgepos` parser."""
    risk = commands.add_parser("risk", help="on-device risk engine: score a stream, simulate one")
    actions = risk.add_subparsers(metavar="ACTION")
    score = actions.add_parser("score", help="decide on transactions read as JSON lines on stdin (see models/README)")
    score.add_argument("--profile", choices=PROFILES, default="retail",
                       help="terminal profile for lines that carry none (default retail)")
    score.add_argument("--state", type=Path, help="SQLite state file kept across runs (default: in memory)")
    score.add_argument("--model", type=Path, help="signed model (.onnx with .json and .sig.json); default: shipped")
    score.add_argument("--shadow", type=Path, help="signed candidate model scored alongside; logged to stderr only")
    score.add_argument("--public-key", help="model-signing public key (hex); default: models/model_signing_key.pub")
    score.add_argument("--offline-since", help="ISO 8601 UTC time the terminal lost its link: apply offline limits")
    score.set_defaults(handler=cmd_risk_score)
    sim = actions.add_parser("simulate", help="write a labelled simulated stream (JSON lines) with feedback lines")
    sim.add_argument("--days", type=int, default=30)
    sim.add_argument("--seed", type=int, default=0)
    sim.add_argument("--mix", help="scenario factors, e.g. card_testing=2,compromised_terminal=0")
    sim.add_argument("--customers", type=int, default=2000)
    sim.add_argument("--terminals", type=int, default=1000)
    sim.add_argument("--start", help="first day, ISO 8601 date (default 2026-01-05)")
    sim.add_argument("--out", type=Path, help="write here instead of stdout")
    sim.set_defaults(handler=cmd_risk_simulate)
    b = bench.add_parser("risk", help="risk decision latency: features + ONNX + rules, state update included")
    b.add_argument("--count", type=int, default=20_000, help="decisions timed (default 20000)")
    b.add_argument("--json", action="store_true", help="print one JSON object")
    b.set_defaults(handler=cmd_bench_risk)


def _err(message: str) -> None:
    print(f"edgepos risk: {message}", file=sys.stderr, flush=True)


def cmd_risk_score(args: argparse.Namespace) -> int:
    import sqlite3

    from models.decision import Offline
    from models.engine import RiskEngine
    from models.features import FeatureState, InputError, parse_feedback, parse_time, parse_tx
    from models.scorer import SHIPPED_MODEL, ModelRejected, Scorer, shipped_public_key

    try:
        offline = Offline(parse_time(args.offline_since)) if args.offline_since else None
        key = bytes.fromhex(args.public_key) if args.public_key else shipped_public_key()
    except (InputError, ValueError) as exc:
        _err(f"bad option: {exc}")
        return 1
    scorer = Scorer(key)
    try:
        scorer.load(args.model or SHIPPED_MODEL)
        if args.shadow:
            scorer.load_shadow(args.shadow)
    except ModelRejected as exc:
        _err(f"model refused: {exc}")
        return 1
    try:
        state = FeatureState(args.state)
    except (InputError, OSError, sqlite3.Error) as exc:  # not a database, locked, unwritable, ...
        _err(f"cannot open state {args.state}: {exc}")
        return 1
    engine = RiskEngine(state, scorer)
    bad = 0
    out = sys.stdout
    try:
        for n, raw in enumerate(sys.stdin, 1):
            raw = raw.strip()
            if not raw:
                continue
            try:
                try:
                    obj = json.loads(raw)
                except (ValueError, RecursionError):
                    raise InputError("not valid JSON") from None
                if isinstance(obj, dict) and "feedback" in obj:
                    state.feedback(*parse_feedback(obj))
                    continue
                tx = parse_tx(obj, args.profile)
                if state.seen(tx.id):
                    raise InputError(f"id {tx.id[:40]!r} was already decided; skipped")
                decision = engine.decide(tx, offline)
                if offline is not None and decision.decision == "approve":
                    from models.decision import to_base

                    offline = Offline(offline.since, offline.approved_total + (to_base(
                        tx.amount_minor, tx.currency, engine.rates) or 0))
            except InputError as exc:
                bad += 1
                _err(f"line {n}: {exc}")
                continue
            out.write(json.dumps({"id": tx.id, "score": round(decision.score, 6), "decision": decision.decision,
                                  "reasons": decision.explain()}, ensure_ascii=False) + "\n")
            if engine.shadow_decisions:
                _err(f"shadow {json.dumps(engine.shadow_decisions.pop())}")
            out.flush()
    except KeyboardInterrupt:
        _err("interrupted; state saved up to the last decision")
        return 130
    except BrokenPipeError:
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except sqlite3.Error as exc:
        _err(f"state {args.state} failed ({exc}); every decision written before this message is saved")
        return 1
    finally:
        state.close()
    if bad:
        _err(f"{bad} line(s) skipped")
    return 0


def cmd_risk_simulate(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from models.simulate import Config, parse_mix, write_stream

    try:
        mix = parse_mix(args.mix)
        if args.days < 1 or args.customers < 1 or args.terminals < 1:
            raise ValueError("--days, --customers and --terminals must be at least 1")
        extra = {}
        if args.start:  # a date or a naive time is taken as UTC; an explicit offset is honoured, not overwritten
            start = datetime.fromisoformat(args.start)
            extra["start"] = start.replace(tzinfo=UTC) if start.tzinfo is None else start.astimezone(UTC)
    except ValueError as exc:
        _err(str(exc))
        return 1
    cfg = Config(seed=args.seed, days=args.days, customers=args.customers, terminals=args.terminals, mix=mix,
                 **extra)
    try:
        if args.out:
            with args.out.open("w") as fh:
                write_stream(cfg, fh)
        else:
            write_stream(cfg, sys.stdout)
            sys.stdout.flush()
    except BrokenPipeError:  # `| head`: the reader has what it wanted
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        _err(f"cannot write the stream: {exc}")
        return 1
    return 0


def cmd_bench_risk(args: argparse.Namespace) -> int:
    from bench.risk import run

    if args.count < 100:
        _err("--count must be at least 100")
        return 1
    result = run(count=args.count)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"risk decisions: p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, "
              f"{result['decisions_per_second']} decisions/s over {result['decisions']} decisions")
    return 0
