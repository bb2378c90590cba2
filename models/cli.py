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
    sim.add_argument("--drift", action="store_true", help="scenarios appear, fade and change shape week by week")
    sim.add_argument("--reissue", action="store_true",
                     help="a card confirmed as defrauded gets a new token for its holder's later sales")
    sim.add_argument("--opening", type=float, default=0.0,
                     help="share of terminals that open on a day during the stream (cold start; default 0)")
    sim.add_argument("--joining", type=float, default=0.0,
                     help="share of customers whose card is first used during the stream (default 0)")
    sim.add_argument("--busy", type=float, default=0.0, help="share of terminals in busy shops (default 0)")
    sim.add_argument("--out", type=Path, help="write here instead of stdout")
    sim.set_defaults(handler=cmd_risk_simulate)
    retrain = actions.add_parser("retrain", help="one learning-loop run from exported hub records (models/loop.py)",
                                 description="Train a challenger on the sales and labels known at --as-of, compare "
                                             "it with the champion on the most recent weeks and, if it is better, "
                                             "write it signed to --out. Always writes report.json and report.md.")
    retrain.add_argument("--sales", type=Path, required=True, help="sales, JSON lines (edgepos risk score format)")
    retrain.add_argument("--labels", type=Path, required=True,
                         help='labels, JSON lines {"label": {"id", "time" (known at), "kind", "fraud"}}')
    retrain.add_argument("--as-of", required=True, help="ISO 8601 UTC time: nothing later is used")
    retrain.add_argument("--out", type=Path, required=True, help="directory for the model and the report")
    retrain.add_argument("--key", type=Path, required=True, help="model-signing SM2 private key file (64 hex)")
    retrain.add_argument("--champion", type=Path, help="the champion (signed .onnx); default: the shipped model")
    retrain.add_argument("--public-key", help="public key the champion is checked with (hex); default: pinned")
    retrain.add_argument("--trees", type=int, help="number of trees (default: the shipped model's)")
    retrain.add_argument("--no-champion", action="store_true",
                         help="a deployment's first model: judged against the floor only (AUC >= 0.8, false "
                              "declines <= 2x the budget), not against the shipped model")
    retrain.set_defaults(handler=cmd_risk_retrain)
    b = bench.add_parser("risk", help="risk decision latency: features + ONNX + rules, state update included")
    b.add_argument("--count", type=int, default=20_000, help="decisions timed (default 20000)")
    b.add_argument("--json", action="store_true", help="print one JSON object")
    b.set_defaults(handler=cmd_bench_risk)
    loop = bench.add_parser("risk-loop", help="weekly retraining (champion/challenger) against a frozen model over "
                                              "drifting fraud")
    loop.add_argument("--weeks", type=int, default=12, help="measured weeks (default 12)")
    loop.add_argument("--seed", type=int, default=31)
    loop.add_argument("--customers", type=int, default=2000)
    loop.add_argument("--terminals", type=int, default=1000)
    loop.add_argument("--trees", type=int, default=200)
    loop.add_argument("--json", action="store_true", help="print one JSON object")
    loop.set_defaults(handler=cmd_bench_risk_loop)


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
        extra: dict = {}
        for name in ("opening", "joining", "busy"):  # shares in [0, 1); all terminals opening later is not a world
            value = getattr(args, name, None)
            if value is not None:
                if not 0 <= value < 1:
                    raise ValueError(f"--{name} must be a share in [0, 1)")
                extra[name] = value
        if args.start:  # a date or a naive time is taken as UTC; an explicit offset is honoured, not overwritten
            start = datetime.fromisoformat(args.start)
            extra["start"] = start.replace(tzinfo=UTC) if start.tzinfo is None else start.astimezone(UTC)
    except ValueError as exc:
        _err(str(exc))
        return 1
    cfg = Config(seed=args.seed, days=args.days, customers=args.customers, terminals=args.terminals, mix=mix,
                 drift=args.drift, reissue=args.reissue,
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


def cmd_risk_retrain(args: argparse.Namespace) -> int:
    from models.features import InputError
    from models.loop import main_retrain

    try:
        summary = main_retrain(sales=args.sales, labels=args.labels, as_of=args.as_of, out=args.out,
                               key_path=args.key, champion=args.champion,
                               public_key=bytes.fromhex(args.public_key) if args.public_key else None,
                               trees=args.trees, no_champion=args.no_champion)
    except (InputError, ValueError, KeyError, OSError) as exc:
        _err(f"retrain: {exc}")
        return 1
    print(json.dumps(summary))
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


def cmd_bench_risk_loop(args: argparse.Namespace) -> int:
    from bench.risk_loop import run

    if not 1 <= args.weeks <= 52:
        _err("--weeks must be 1 to 52")
        return 1
    result = run(weeks=args.weeks, seed=args.seed, customers=args.customers, terminals=args.terminals,
                 trees=args.trees)
    if args.json:
        print(json.dumps(result))
    else:
        for w in result["weeks"]:
            print(f"week {w['week']:2d}: frozen recall {w['frozen_recall']} false declines {w['frozen_false_decline']}"
                  f" | loop recall {w['loop_recall']} false declines {w['loop_false_decline']}"
                  f" | {'promoted' if w['retrained']['promoted'] else 'kept'}")
        print(f"frozen: recall {result['frozen_recall']}, false declines {result['frozen_false_decline']}; loop: "
              f"recall {result['loop_recall']}, false declines {result['loop_false_decline']}; "
              f"{result['promotions']} promotions")
    return 0
