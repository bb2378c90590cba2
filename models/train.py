"""Train, evaluate, export, sign: `python -m models.train --seed 7 --out models/ [--key KEYFILE]`.

Data (all from models.simulate, see MODEL_CARD.md):
  * training seed S, 56 days: features from day 0; train on days 3-34, 7-day gap (feedback delay), test on 42-55;
  * calibration seed S+1, 35 days: score thresholds chosen on days 14-34 at target false-positive rates;
  * fresh seeds S+2 (default mix) and S+3 (another mix), 35 days each, evaluated on days 14-34: never trained on.
Features come from `FeatureState.observe` replaying each stream, feedback lines included - the scorer's own code.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from models.decision import APPROVE, DECLINE, DEFAULT_RATES, PIN, SUPERVISOR, Thresholds, combine, rules, to_base
from models.features import CARD_CNT_1D, CARD_CNT_1H, FEATURES, FeatureState, parse_feedback, parse_tx
from models.simulate import Config, generate, parse_mix

TARGET_FPR = {"pin": 0.01, "supervisor": 0.003, "decline": 0.0007}  # decline: rules add a little; the bar is 0.1 %
OTHER_MIX = "card_testing=3,compromised_terminal=0.5,wallet_takeover=3,far_from_home=2,unfamiliar_entry=0.5"
PARAMS = {"n_estimators": 500, "num_leaves": 63, "learning_rate": 0.05, "min_child_samples": 50,
          "subsample": 0.8, "subsample_freq": 1, "colsample_bytree": 0.8, "reg_lambda": 1.0}
COLD_SALES = 50  # cold-start metrics: a new terminal's first 50 sales
HANDBOOK = [("logistic regression", 0.871, 0.606, 0.291), ("random forest", 0.867, 0.658, 0.287),
            ("XGBoost", 0.862, 0.639, 0.273), ("tuned XGBoost", 0.869, 0.687, 0.303)]


@dataclass
class Replayed:
    x: np.ndarray
    y: np.ndarray
    day: np.ndarray
    card: list[str]
    known: np.ndarray  # the card was already blacklisted by feedback when it was used
    rule_flag: np.ndarray  # a rule other than the blacklist asked for more than approve
    scenario: list[str | None]
    reasons: list[list[str]]  # the rules' reason codes (the blacklist one included)
    base: list[int | None]  # amount in base-currency minor units
    profile: list[str]
    t: np.ndarray  # sale time, epoch seconds
    cold: np.ndarray  # one of the first COLD_SALES sales of a terminal that opened after the stream's first day


def replay(lines: list[dict[str, Any]], start_t: int | None = None) -> Replayed:
    """Features of every transaction of a labelled stream, through the same code the scorer runs, as each till
    computes them: one state per terminal (its own sales only), the confirmed-fraud feedback of a sale reaching the
    till that made it, and the hub's blacklist (every reported card) reaching every till."""
    states: dict[str, FeatureState] = {}
    sale_terminal: dict[str, str] = {}
    reported: set[str] = set()  # the hub's blacklist, sent down to every till
    rows, ys, days, cards, known, flags, scen, reasons_l, bases, profiles, times, cold = ([] for _ in range(12))
    t0 = start_t
    term_seen: dict[str, list[int]] = {}  # terminal -> [first day, sales so far]
    for line in lines:
        if "feedback" in line:
            tx_id, when, fraud = parse_feedback(line)
            terminal = sale_terminal.get(tx_id)
            if terminal is not None and states[terminal].feedback(tx_id, when, fraud) and fraud:
                reported.add(states[terminal].txs[tx_id][0])
            continue
        tx = parse_tx(line)
        if t0 is None:
            t0 = tx.t - tx.t % 86400
        state = states.get(tx.terminal)
        if state is None:
            state = states[tx.terminal] = FeatureState()
        sale_terminal[tx.id] = tx.terminal
        known.append(tx.card in reported)
        f = state.observe(tx, blocked=known[-1])
        reasons = rules(t=tx.t, amount_minor=tx.amount_minor, currency=tx.currency, card_token=tx.card,
                        entry_mode=tx.entry_mode, profile=tx.profile, card_sales_1h=int(f[CARD_CNT_1H]),
                        card_sales_1d=int(f[CARD_CNT_1D]), rates=DEFAULT_RATES)
        flags.append(bool(reasons))
        reasons_l.append((["blacklisted"] if known[-1] else []) + reasons)
        bases.append(to_base(tx.amount_minor, tx.currency, DEFAULT_RATES))
        profiles.append(tx.profile)
        times.append(tx.t)
        seen = term_seen.setdefault(tx.terminal, [(tx.t - t0) // 86400, 0])
        cold.append(seen[0] >= 1 and seen[1] < COLD_SALES)
        seen[1] += 1
        rows.append(f)
        ys.append(bool(line["label"]["fraud"]))
        days.append((tx.t - t0) // 86400)
        cards.append(tx.card)
        scen.append(line["label"]["scenario"])
    return Replayed(np.asarray(rows, dtype=np.float64).reshape(-1, len(FEATURES)), np.asarray(ys, dtype=bool),
                    np.asarray(days, dtype=np.int64), cards, np.asarray(known, dtype=bool),
                    np.asarray(flags, dtype=bool), scen, reasons_l, bases, profiles, np.asarray(times, dtype=np.int64),
                    np.asarray(cold, dtype=bool))


def _subset(r: Replayed, mask: np.ndarray) -> Replayed:
    idx = np.flatnonzero(mask)
    pick = lambda seq: [seq[i] for i in idx]  # noqa: E731
    return Replayed(r.x[idx], r.y[idx], r.day[idx], pick(r.card), r.known[idx], r.rule_flag[idx], pick(r.scenario),
                    pick(r.reasons), pick(r.base), pick(r.profile), r.t[idx], r.cold[idx])


def concat(parts: list[Replayed]) -> Replayed:
    """Several replayed streams as one training set (each replayed on its own state)."""
    cat = lambda name: [v for p in parts for v in getattr(p, name)]  # noqa: E731
    return Replayed(np.concatenate([p.x for p in parts]), np.concatenate([p.y for p in parts]),
                    np.concatenate([p.day for p in parts]), cat("card"), np.concatenate([p.known for p in parts]),
                    np.concatenate([p.rule_flag for p in parts]), cat("scenario"), cat("reasons"), cat("base"),
                    cat("profile"), np.concatenate([p.t for p in parts]), np.concatenate([p.cold for p in parts]))


def decisions(r: Replayed, scores: np.ndarray, thresholds: Thresholds) -> list[str]:
    """What the engine decides for each sale: the rules' reasons and the score, combined as at the till."""
    return [combine(float(s), list(reasons), thresholds, profile, base).decision
            for s, reasons, profile, base in zip(scores, r.reasons, r.profile, r.base, strict=True)]


def decision_metrics(r: Replayed, scores: np.ndarray, thresholds: Thresholds, profile: str = "retail"
                     ) -> dict[str, Any]:
    """At the till, on one profile's terminals: fraud stopped (anything but approve), legitimate sales declined
    and stepped up, and sales by cards already reported (blacklisted by feedback) intercepted (declined)."""
    on = np.asarray([p == profile for p in r.profile], dtype=bool)
    dec = np.asarray(decisions(r, scores, thresholds))
    fresh, known = on & ~r.known, on & r.known
    fraud, legit = fresh & r.y, fresh & ~r.y
    return {"profile": profile, "sales": int(fresh.sum()), "frauds": int(fraud.sum()),
            "fraud_stopped": round(float((dec[fraud] != APPROVE).mean()), 4) if fraud.any() else None,
            "fraud_declined": round(float((dec[fraud] == DECLINE).mean()), 4) if fraud.any() else None,
            "legit_declined": round(float((dec[legit] == DECLINE).mean()), 5) if legit.any() else None,
            "legit_stepped_up": round(float(np.isin(dec[legit], (PIN, SUPERVISOR)).mean()), 4) if legit.any() else None,
            "reported_card_sales": int(known.sum()),
            "reported_card_intercepted": round(float((dec[known] == DECLINE).mean()), 4) if known.any() else None,
            **cold_metrics(r, dec, fresh)}


def cold_metrics(r: Replayed, dec: np.ndarray, on: np.ndarray) -> dict[str, Any]:
    """The same at new terminals: their first COLD_SALES sales (terminals opened during the stream)."""
    cold = on & r.cold
    fraud, legit = cold & r.y, cold & ~r.y
    return {"cold_sales": int(cold.sum()), "cold_frauds": int(fraud.sum()),
            "cold_legit_declined": round(float((dec[legit] == DECLINE).mean()), 5) if legit.any() else None,
            "cold_legit_stepped_up": round(float(np.isin(dec[legit], (PIN, SUPERVISOR)).mean()), 4)
            if legit.any() else None,
            "cold_fraud_stopped": round(float((dec[fraud] != APPROVE).mean()), 4) if fraud.any() else None}


def threshold_at_fpr(scores: np.ndarray, y: np.ndarray, fpr: float) -> float:
    legit = np.sort(scores[~y])
    k = int(np.floor(len(legit) * (1 - fpr)))
    return float(np.nextafter(legit[min(k, len(legit) - 1)], np.float32(2.0)))


def card_precision_at_k(r: Replayed, scores: np.ndarray, k: int) -> float:
    out = []
    for d in np.unique(r.day):
        idx = np.flatnonzero(r.day == d)
        best: dict[str, tuple[float, bool]] = {}
        for i in idx:
            s, f = best.get(r.card[i], (-1.0, False))
            best[r.card[i]] = (max(s, float(scores[i])), f or bool(r.y[i]))
        top = sorted(best.values(), key=lambda v: -v[0])[:k]
        out.append(sum(f for _s, f in top) / max(1, len(top)))
    return float(np.mean(out))


def evaluate(r: Replayed, scores: np.ndarray, thresholds: dict[str, float]) -> dict[str, Any]:
    from sklearn.metrics import average_precision_score, roc_auc_score

    keep = ~r.known  # as the handbook does: cards already known compromised are removed (the blacklist rule has them)
    r, scores = _subset(r, keep), scores[keep]
    y = r.y
    legit = ~y
    out: dict[str, Any] = {"transactions": len(y), "frauds": int(y.sum()), "fraud_rate": round(float(y.mean()), 4),
                           "roc_auc": round(float(roc_auc_score(y, scores)), 4),
                           "average_precision": round(float(average_precision_score(y, scores)), 4),
                           "card_precision_at_100": round(card_precision_at_k(r, scores, 100), 3),
                           "card_precision_at_40": round(card_precision_at_k(r, scores, 40), 3)}
    for name, th in thresholds.items():
        flag = scores >= th
        out[f"{name}_recall"] = round(float(flag[y].mean()), 4)
        out[f"{name}_fpr"] = round(float(flag[legit].mean()), 4)
    rf = r.rule_flag
    rules_fpr, rules_recall = float(rf[legit].mean()), float(rf[y].mean())
    out["rules_only_fpr"], out["rules_only_recall"] = round(rules_fpr, 4), round(rules_recall, 4)
    th_same = threshold_at_fpr(scores, y, min(rules_fpr, 0.01))
    flag = scores >= th_same
    out["model_recall_at_rules_fpr"] = round(float(flag[y].mean()), 4)
    out["model_fpr_at_rules_fpr"] = round(float(flag[legit].mean()), 4)
    th1 = threshold_at_fpr(scores, y, 0.01)
    out["model_recall_at_fpr_1pct"] = round(float((scores >= th1)[y].mean()), 4)
    per = {}
    for name in sorted({s for s in r.scenario if s}):
        m = np.asarray([s == name for s in r.scenario])
        per[name] = {"n": int(m.sum()), "recall_pin": round(float((scores[m] >= thresholds["pin"]).mean()), 3),
                     "recall_rules": round(float(rf[m].mean()), 3)}
    out["per_scenario"] = per
    return out


def export_onnx(model: Any, n_features: int) -> bytes:
    from onnxmltools import convert_lightgbm
    from onnxmltools.convert.common.data_types import FloatTensorType

    onx = convert_lightgbm(model, name="edgepos-risk", initial_types=[("input", FloatTensorType([None, n_features]))],
                           zipmap=False, target_opset=15)
    return onx.SerializeToString()


def load_key(path: Path | None) -> tuple[Any, str]:
    from sync.crypto import Sm2PrivateKey

    if path is None:
        return Sm2PrivateKey.generate(), "ephemeral key generated for this run (its public key is written next to it)"
    return Sm2PrivateKey(bytes.fromhex(path.read_text().strip())), f"key from {path}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.train", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument("--key", type=Path, help="SM2 private key (64 hex chars) to sign with; default: ephemeral")
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--terminals", type=int, default=1000)
    parser.add_argument("--no-card", action="store_true", help="do not rewrite MODEL_CARD.md")
    args = parser.parse_args(argv)
    import lightgbm

    from models.scorer import load_verified, sign_model

    started = time.perf_counter()
    s = args.seed
    size = {"customers": args.customers, "terminals": args.terminals}
    log = lambda msg: print(f"[{time.perf_counter() - started:6.1f}s] {msg}", file=sys.stderr)  # noqa: E731
    main_r = replay(generate(Config(seed=s, days=56, **size)))
    drift_r = replay(generate(Config(seed=s + 100, days=84, drift=True, **size)))
    log(f"seeds {s}, {s + 100}: {len(main_r.y) + len(drift_r.y)} transactions replayed")
    # from day 0: a new till starts with no history at all, and the model must have seen that state
    train = concat([_subset(main_r, main_r.day < 35), _subset(drift_r, drift_r.day < 63)])
    held_out = {f"seed {s}, held-out days 42-55": _subset(main_r, main_r.day >= 42),
                f"seed {s + 100}, weekly drift, held-out days 70-83": _subset(drift_r, drift_r.day >= 70)}
    calib_a = replay(generate(Config(seed=s + 1, days=35, **size)))
    calib_b = replay(generate(Config(seed=s + 101, days=56, drift=True, **size)))
    calib = concat([_subset(calib_a, calib_a.day >= 14), _subset(calib_b, calib_b.day >= 14)])
    fresh = {f"seed {s + 2}, default mix": Config(seed=s + 2, days=35, **size),
             f"seed {s + 3}, mix {OTHER_MIX}": Config(seed=s + 3, days=35, mix=parse_mix(OTHER_MIX), **size),
             f"seed {s + 4}, weekly drift, 12 weeks": Config(seed=s + 4, days=84, drift=True, **size),
             f"seed {s + 5}, weekly drift + mix {OTHER_MIX}": Config(seed=s + 5, days=84, drift=True,
                                                                   mix=parse_mix(OTHER_MIX), **size)}
    fresh_r = {}
    for name, cfg in fresh.items():
        r = replay(generate(cfg))
        fresh_r[name] = _subset(r, r.day >= 14)
    log("calibration and fresh streams replayed")

    clf = lightgbm.LGBMClassifier(**PARAMS, random_state=s, n_jobs=2, verbose=-1)
    clf.fit(train.x.astype(np.float32), train.y.astype(np.int64))  # the precision ONNX scores with
    log("trained")
    args.out.mkdir(parents=True, exist_ok=True)
    model_path = args.out / "risk.onnx"
    model_path.write_bytes(export_onnx(clf, len(FEATURES)))
    # thresholds on the calibration seed, scored by the exported model itself
    import onnxruntime as ort

    sess = ort.InferenceSession(model_path.read_bytes(), providers=["CPUExecutionProvider"])
    score = lambda r: sess.run(["probabilities"], {"input": r.x.astype(np.float32)})[0][:, 1]  # noqa: E731
    c_keep = ~calib.known  # both calibration streams, default and drifting
    c_scores = score(calib)[c_keep]
    thresholds = {name: threshold_at_fpr(c_scores, calib.y[c_keep], fpr) for name, fpr in TARGET_FPR.items()}
    version = f"risk-v3-s{s}"
    meta = {"version": version, "features": list(FEATURES), "thresholds": thresholds,
            "target_fpr": TARGET_FPR, "trained_on": {"seeds": [s, s + 100], "days": [[0, 34], [0, 62]],
                                                     "transactions": len(train.y), "frauds": int(train.y.sum()),
                                                     **size},
            "params": PARAMS}
    (args.out / "risk.json").write_text(json.dumps(meta, indent=1) + "\n")
    key, key_note = load_key(args.key)
    sign_model(model_path, key)
    (args.out / "model_signing_key.pub").write_text(key.public_key().hex() + "\n")
    log(f"exported and signed ({key_note})")
    loaded = load_verified(model_path, key.public_key())
    th = Thresholds(thresholds["pin"], thresholds["supervisor"], thresholds["decline"])
    results = {}
    for name, r in {**held_out, **fresh_r}.items():
        scores = loaded.score_batch(r.x)
        results[name] = evaluate(r, scores, thresholds) | {"till": decision_metrics(r, scores, th)}
    fresh_all = concat(list(fresh_r.values()))  # cold start: every fresh set's new terminals, first 50 sales each
    cold_dec = np.asarray(decisions(fresh_all, loaded.score_batch(fresh_all.x), th))
    retail_fresh = np.asarray([p == "retail" for p in fresh_all.profile], dtype=bool) & ~fresh_all.known
    cold_start = cold_metrics(fresh_all, cold_dec, retail_fresh)
    test = held_out[f"seed {s}, held-out days 42-55"]
    native = clf.predict_proba(test.x.astype(np.float32))[:, 1]
    max_diff = float(np.max(np.abs(native - loaded.score_batch(test.x))))
    train_seconds = time.perf_counter() - started
    from bench.risk import run as bench_run

    latency = bench_run(count=5000, model=model_path, public_key=key.public_key())
    summary = {"version": version, "thresholds": thresholds, "results": results, "cold_start": cold_start,
               "onnx_vs_native_max_diff": max_diff,
               "train_seconds": round(train_seconds, 1), "latency": latency, "model_bytes": model_path.stat().st_size,
               "key": key_note}
    (args.out / "risk-eval.json").write_text(json.dumps(summary, indent=1) + "\n")
    if not args.no_card:
        from models.card import write_card

        write_card(args.out / "MODEL_CARD.md", summary, meta, args.seed)
    log("done")
    print(json.dumps({k: v for k, v in summary.items() if k != "results"} | {
        "roc_auc": {k: v["roc_auc"] for k, v in results.items()},
        "ap": {k: v["average_precision"] for k, v in results.items()}}, indent=1))
    if args.key is None:
        print("note: signed with an EPHEMERAL key; the terminal only accepts it if it pins the public key written "
              f"to {args.out / 'model_signing_key.pub'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    sys.exit(main())
