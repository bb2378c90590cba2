"""The learning loop's model side: a training set from the hub's records as of a time, a challenger, the comparison
with the champion, the promotion rule and the run's report (MODEL_CARD form, markdown + JSON).

Inputs are what the hub exports (`edgepos hub retrain` writes them, `edgepos risk retrain` reads them):
  * sales: transaction lines in the `edgepos risk score` format (models/README.md), each as the till saw it;
  * labels: `{"label": {"id", "time", "kind", "fraud"}}` lines, `time` being when the label became known at the hub.
A label is used only when it was known at `as_of`: confirmed fraud reaches the replay as a feedback line at the time
it became known (as the till gets it), and a sale's training target is its last label known at `as_of` (no label:
legitimate). So no training set ever sees a label from its future, and the features are the till's own
(`FeatureState.observe`).

Time split (all before `as_of`, defaults in `Split`): the last 7 days are left out (their labels are still coming),
the 7 days before that are the comparison window, a 3-day gap separates training from evaluation, the 4 days before
the gap choose the challenger's thresholds, and it trains on up to 56 days before those.

Every run re-chooses the champion's thresholds on the comparison window (its most recent labelled week, which it
was never trained on: a champion's data ends at least a week before), at the same target false-positive rates as a
new model (`TARGET_FPR`), so the champion keeps holding the profile's false-decline budget while the fraud drifts, even
without a promotion (`rethreshold`). The re-thresholded champion is a new signed model version (same trees, new
thresholds in its metadata, `stamp_version`), published and delivered like any other.

Promotion is judged primarily on what the risk team is paid for, fraud stopped at the false-decline budget:
the challenger replaces the champion only if, on the comparison window, its recall at the profile's false-decline
budget (decline threshold at that false-positive rate on the window) is higher than the champion's, its ROC AUC is
not materially worse (at most `AUC_TOLERANCE` below), and its false-decline rate at its own decline threshold is
within max(budget, champion's) up to the window's sampling noise (one standard error of a 0.1 % rate on its
legitimate sales). Equal recall keeps the champion. Budget metrics and thresholds are measured on the profile's
(retail) sales by cards not yet reported; AUC on all sales.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from models.decision import PROFILES, Thresholds
from models.features import DAY, FEATURES, parse_time
from models.train import PARAMS, TARGET_FPR, Replayed, _subset, decision_metrics, replay, threshold_at_fpr

FRAUD_KINDS = frozenset({"confirmed_fraud", "chargeback", "review_fraud"})
LEGIT_KINDS = frozenset({"review_legit", "pin_verified", "supervisor_approved", "false_decline"})
LABEL_KINDS = FRAUD_KINDS | LEGIT_KINDS
FALSE_DECLINE_BUDGET = 0.001  # legitimate sales declined: the bar (Stripe Radar blocks about 0.1 %)
AUC_TOLERANCE = 0.005  # a challenger may trail the champion on AUC by this much if it stops more fraud at budget


@dataclass(frozen=True)
class Split:
    """Day boundaries (epoch seconds) of one run, all at or before `as_of`."""

    as_of: int
    label_delay_days: int = 7  # confirmed fraud arrives 1-7 days after the sale
    eval_days: int = 7
    gap_days: int = 3
    calib_days: int = 4
    warmup_days: int = 3
    max_train_days: int = 56  # a sliding window: older patterns fade out of the training set

    @property
    def eval_end(self) -> int:
        return self.as_of - self.label_delay_days * DAY

    @property
    def eval_start(self) -> int:
        return self.eval_end - self.eval_days * DAY

    @property
    def train_end(self) -> int:
        return self.eval_start - self.gap_days * DAY

    @property
    def calib_start(self) -> int:
        return self.train_end - self.calib_days * DAY


@dataclass
class LabelledSet:
    """Replayed sales with their targets as known at `as_of` (and the true ones, when a simulator knows them)."""

    r: Replayed
    y_known: np.ndarray
    labels_used: int
    latest_label_time: int | None


def targets_as_of(sale_ids: list[str], labels: list[dict[str, Any]], as_of: int) -> tuple[np.ndarray, int, int | None]:
    """Each sale's last label known at `as_of` (True: fraud); unlabelled: False. Labels after `as_of` are ignored."""
    last: dict[str, tuple[int, bool]] = {}
    used, latest = 0, None
    for line in labels:
        lab = line["label"]
        t = parse_time(lab["time"])
        if t > as_of:
            continue
        used += 1
        latest = t if latest is None else max(latest, t)
        held = last.get(lab["id"])
        if held is None or t >= held[0]:
            last[lab["id"]] = (t, bool(lab["fraud"]))
    y = np.asarray([last.get(i, (0, False))[1] for i in sale_ids], dtype=bool)
    return y, used, latest


def stream_as_of(sales: list[dict[str, Any]], labels: list[dict[str, Any]], as_of: int) -> list[dict[str, Any]]:
    """Sales up to `as_of` and, as feedback lines at the time they became known, the fraud labels known by then."""
    out: list[tuple[int, int, dict[str, Any]]] = []
    for line in sales:
        t = parse_time(line["time"])
        if t <= as_of:
            out.append((t, 1, {**line, "label": {"fraud": False, "scenario": (line.get("label") or {}).get(
                "scenario")}}))
    for line in labels:
        lab = line["label"]
        t = parse_time(lab["time"])
        if t <= as_of and lab["fraud"]:
            out.append((t, 0, {"feedback": {"id": lab["id"], "time": lab["time"], "fraud": True}}))
    out.sort(key=lambda item: (item[0], item[1]))
    return [line for _t, _k, line in out]


def training_set(sales: list[dict[str, Any]], labels: list[dict[str, Any]], as_of: int) -> LabelledSet:
    """Features by the till's code over everything up to `as_of`, targets as known at `as_of`."""
    lines = stream_as_of(sales, labels, as_of)
    r = replay(lines)
    ids = [line["id"] for line in lines if "feedback" not in line]
    y, used, latest = targets_as_of(ids, labels, as_of)
    r.y = y
    return LabelledSet(r, y, used, latest)


def on_profile(r: Replayed, profile: str = "retail") -> np.ndarray:
    """Where the profile's false-decline budget is measured: its terminals' sales by cards not yet reported (other
    profiles' legitimate tails, big b2b baskets say, would otherwise set the retail thresholds). Unreported fraud
    counts as legitimate here, as it does for any hub: it makes the thresholds err on the strict side."""
    return np.asarray([p == profile for p in r.profile], dtype=bool) & ~r.known


def thresholds_at_budget(scores: np.ndarray, y: np.ndarray, profile: str = "retail") -> Thresholds:
    """Raw thresholds that, scaled by the profile's `threshold_scale`, hold `TARGET_FPR` on these sales."""
    scale = PROFILES[profile].threshold_scale
    th = {name: threshold_at_fpr(scores, y, fpr) / scale for name, fpr in TARGET_FPR.items()}
    return Thresholds(th["pin"], th["supervisor"], th["decline"])


def train_challenger(r: Replayed, split: Split, params: dict[str, Any] | None = None, seed: int = 0,
                     end: int | None = None) -> tuple[Any, Thresholds, dict[str, Any]]:
    """LightGBM on the training window, thresholds on the calibration window (not trained on). `end`: train and
    calibrate up to there instead of up to the gap (the refit on the comparison window too)."""
    import lightgbm

    train_end = split.train_end if end is None else end
    calib_start = train_end - split.calib_days * DAY
    t0 = int(r.t.min()) if len(r.t) else split.as_of
    first = max(t0 + split.warmup_days * DAY, calib_start - split.max_train_days * DAY)
    fit = (r.t >= first) & (r.t < calib_start)
    cal = (r.t >= calib_start) & (r.t < train_end) & on_profile(r)
    if fit.sum() < 100 or r.y[fit].sum() < 5 or cal.sum() < 50:
        raise ValueError(f"too little labelled history before {calib_start}: {int(fit.sum())} sales, "
                         f"{int(r.y[fit].sum())} frauds")
    p = {**PARAMS, **(params or {})}
    threads = 1 if fit.sum() < 100_000 else 2  # small sets: threads cost more than they give on a busy machine
    clf = lightgbm.LGBMClassifier(**p, random_state=seed, n_jobs=threads, verbose=-1)
    clf.fit(r.x[fit].astype(np.float32), r.y[fit].astype(np.int64))
    scores = clf.predict_proba(r.x[cal].astype(np.float32))[:, 1]
    yc = r.y[cal]
    th = Thresholds(0.5, 0.5, 0.5) if yc.all() or not yc.any() else thresholds_at_budget(scores, yc)
    info = {"fit_sales": int(fit.sum()), "fit_frauds": int(r.y[fit].sum()), "calib_sales": int(cal.sum()),
            "params": p}
    return clf, th, info


def compare_metrics(r: Replayed, scores: np.ndarray, thresholds: Thresholds, profile: str = "retail"
                    ) -> dict[str, Any]:
    """AUC (all sales), and on the profile's sales recall at its false-decline budget and the false-decline rate at
    the model's own threshold."""
    from sklearn.metrics import roc_auc_score

    keep = ~r.known
    y, s = r.y[keep], scores[keep]
    on = on_profile(r, profile)
    yp, sp = r.y[on], scores[on]
    out: dict[str, Any] = {"sales": int(keep.sum()), "frauds": int(y.sum()), "profile_sales": int(on.sum())}
    if y.all() or not y.any() or yp.all() or not yp.any():
        return out | {"roc_auc": None, "recall_at_budget": None, "false_decline": None}
    th_budget = threshold_at_fpr(sp, yp, FALSE_DECLINE_BUDGET)
    decline = thresholds.decline * PROFILES[profile].threshold_scale
    out |= {"roc_auc": round(float(roc_auc_score(y, s)), 4),
            "recall_at_budget": round(float((sp >= th_budget)[yp].mean()), 4),
            "false_decline": round(float((sp >= decline)[~yp].mean()), 5),
            "profile_legit": int((~yp).sum()),
            "recall_at_own_threshold": round(float((sp >= decline)[yp].mean()), 4),
            "till": decision_metrics(r, scores, thresholds, profile)}
    return out


def should_promote(challenger: dict[str, Any], champion: dict[str, Any] | None) -> tuple[bool, str]:
    """The promotion rule (module docstring); returns (promote, why)."""
    if challenger.get("roc_auc") is None:
        return False, "no labelled fraud in the comparison window"
    budget = FALSE_DECLINE_BUDGET
    if champion is None or champion.get("roc_auc") is None:
        legit = max(1, challenger.get("profile_legit") or challenger["sales"] - challenger["frauds"])
        limit = round(max(2 * budget, 5 / legit), 5)  # a small window cannot measure 0.1 % to better than a few sales
        ok = challenger["roc_auc"] >= 0.8 and challenger["false_decline"] <= limit
        return ok, (f"no usable champion; challenger {'passes' if ok else 'fails'} the floor (AUC "
                    f"{challenger['roc_auc']} >= 0.8, false declines {challenger['false_decline']} <= {limit})")
    why = []
    if not challenger["recall_at_budget"] > champion["recall_at_budget"]:
        why.append(f"recall at budget {challenger['recall_at_budget']} not above {champion['recall_at_budget']}")
    if challenger["roc_auc"] < champion["roc_auc"] - AUC_TOLERANCE:
        why.append(f"AUC {challenger['roc_auc']} more than {AUC_TOLERANCE} below {champion['roc_auc']}")
    legit = challenger.get("profile_legit") or 0
    noise = (budget / legit) ** 0.5 if legit else 0.0  # one standard error of a 0.1 % rate on this window
    limit = round(max(budget, champion["false_decline"]) + noise, 5)
    if challenger["false_decline"] > limit:
        why.append(f"false declines {challenger['false_decline']} above {limit}")
    if why:
        return False, "; ".join(why)
    return True, (f"recall at budget {champion['recall_at_budget']} -> {challenger['recall_at_budget']}, AUC "
                  f"{champion['roc_auc']} -> {challenger['roc_auc']}, false declines "
                  f"{champion['false_decline']} -> {challenger['false_decline']}")


def rethreshold(r: Replayed, scores: np.ndarray, current: Thresholds) -> Thresholds:
    """A model's thresholds re-chosen on a recent labelled window (the profile's sales by cards not yet reported), at
    the same target false-positive rates a new model gets; the current ones stay when the window cannot measure
    them."""
    keep = on_profile(r)
    y, s = r.y[keep], np.asarray(scores)[keep]
    if y.all() or not y.any() or (~y).sum() < 1000:  # under 1,000 legitimate sales 0.07 % is not one sale
        return current
    return thresholds_at_budget(s, y)


def psi(expected: np.ndarray, actual: np.ndarray, bins: int = 10) -> float:
    """Population stability index of one feature between two windows (quantile bins of `expected`)."""
    if len(expected) == 0 or len(actual) == 0:
        return 0.0
    edges = np.unique(np.quantile(expected, np.linspace(0, 1, bins + 1)))
    if len(edges) < 2:
        return 0.0
    e = np.histogram(np.clip(expected, edges[0], edges[-1]), edges)[0] / len(expected)
    a = np.histogram(np.clip(actual, edges[0], edges[-1]), edges)[0] / len(actual)
    e, a = np.clip(e, 1e-4, None), np.clip(a, 1e-4, None)
    return float(np.sum((a - e) * np.log(a / e)))


@dataclass
class RunResult:
    promoted: bool
    reason: str
    version: str
    report: dict[str, Any]
    model: Any = None
    thresholds: Thresholds | None = None
    champion_thresholds: Thresholds | None = None  # the kept champion's, re-chosen this run
    files: dict[str, Path] = field(default_factory=dict)


def run_cycle(ls: LabelledSet, split: Split, champion: Any | None, *, version: str, params: dict[str, Any] | None
              = None, seed: int = 0, refit: bool = True, champion_data_end: int | None = None) -> RunResult:
    """Train a challenger on `ls`, compare it with `champion` (a LoadedModel or None) on the comparison window.
    When it wins and `refit`, the same recipe is trained once more on the data up to the end of the comparison
    window (thresholds on its last days), so the published model is two weeks fresher than the one compared; the
    comparison itself never sees data the challenger trained on. The kept champion's thresholds are re-chosen on the
    comparison window only when it never trained on it (`champion_data_end`, when known, at or before its start)."""
    started = time.perf_counter()
    r = ls.r
    clf, thresholds, info = train_challenger(r, split, params, seed)
    ev = _subset(r, (r.t >= split.eval_start) & (r.t < split.eval_end))
    ch_scores = clf.predict_proba(ev.x.astype(np.float32))[:, 1]
    challenger = compare_metrics(ev, ch_scores, thresholds)
    champ, champ_th = None, None
    if champion is not None and tuple(champion.features) == FEATURES:
        champ_scores = champion.score_batch(ev.x)
        champ = compare_metrics(ev, champ_scores, champion.thresholds)
        if champion_data_end is None or champion_data_end <= split.eval_start:
            champ_th = rethreshold(ev, champ_scores, champion.thresholds)
    promote, reason = should_promote(challenger, champ)
    refitted = None
    if promote and refit:
        clf, thresholds, refitted = train_challenger(r, split, params, seed, end=split.eval_end)
    fit = (r.t < split.calib_start)
    gains = clf.booster_.feature_importance("gain")
    total = float(gains.sum()) or 1.0
    importance = sorted(((FEATURES[i], round(float(g) / total, 4)) for i, g in enumerate(gains)),
                        key=lambda kv: -kv[1])
    drift = sorted(((name, round(psi(r.x[fit, i], ev.x[:, i]), 4)) for i, name in enumerate(FEATURES)),
                   key=lambda kv: -kv[1])
    iso = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))  # noqa: E731
    report = {
        "version": version, "as_of": iso(split.as_of), "promoted": promote, "reason": reason,
        "champion": None if champion is None else getattr(champion, "version", "?"),
        "windows": {"train": [iso(int(r.t.min())) if len(r.t) else None, iso(split.calib_start)],
                    "calibration": [iso(split.calib_start), iso(split.train_end)],
                    "gap_days": split.gap_days, "evaluation": [iso(split.eval_start), iso(split.eval_end)],
                    "label_delay_days": split.label_delay_days},
        "labels_used": ls.labels_used, "latest_label_time": None if ls.latest_label_time is None
        else iso(ls.latest_label_time), "training": info, "refit": refitted and {
            k: v for k, v in refitted.items() if k != "params"} | {"up_to": iso(split.eval_end)},
        "thresholds": {"pin": thresholds.pin, "supervisor": thresholds.supervisor, "decline": thresholds.decline},
        "metrics": {"challenger": challenger, "champion": champ},
        "champion_thresholds": None if promote or champ_th is None else {
            "pin": champ_th.pin, "supervisor": champ_th.supervisor, "decline": champ_th.decline,
            "chosen_on": [iso(split.eval_start), iso(split.eval_end)]},
        "feature_importance": importance[:20], "input_drift_psi": drift[:20],
        "seconds": round(time.perf_counter() - started, 1),
    }
    return RunResult(promote, reason, version, report, clf, thresholds, None if promote else champ_th)


def write_model(result: RunResult, out: Path, key: Any) -> dict[str, Path]:
    """Export the challenger to ONNX with its metadata and sign it (models/scorer.py format)."""
    from models.scorer import sign_model
    from models.train import export_onnx

    out.mkdir(parents=True, exist_ok=True)
    model_path = out / "risk.onnx"
    model_path.write_bytes(export_onnx(result.model, len(FEATURES)))
    th = result.thresholds
    assert th is not None
    meta = {"version": result.version, "features": list(FEATURES),
            "thresholds": {"pin": th.pin, "supervisor": th.supervisor, "decline": th.decline},
            "target_fpr": TARGET_FPR, "trained_on": result.report["windows"], "params": result.report["training"][
                "params"], "as_of": result.report["as_of"]}
    model_path.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n")
    sig = sign_model(model_path, key)
    result.report["sha256"] = hashlib.sha256(model_path.read_bytes()).hexdigest()
    result.files = {"onnx": model_path, "meta": model_path.with_suffix(".json"), "sig": sig}
    return result.files


def stamp_version(onnx_bytes: bytes, version: str) -> bytes:
    """The same trees with `version` in the ONNX metadata: a re-thresholded champion gets its own digest, so tills
    (which key delivered models by the ONNX bytes' SHA-256) fetch, shadow and promote it like any new model."""
    import onnx

    proto = onnx.load_from_string(onnx_bytes)
    kept = [p for p in proto.metadata_props if p.key != "edgepos_version"]
    del proto.metadata_props[:]
    proto.metadata_props.extend(kept)
    proto.metadata_props.add(key="edgepos_version", value=version)
    return proto.SerializeToString()


def write_rethresholded(champion_path: Path, result: RunResult, out: Path, key: Any, stamp: str) -> dict[str, Any]:
    """The kept champion with this run's thresholds as a new signed version (`NAME-thSTAMP`) in `out`."""
    from models.scorer import sidecars, sign_model

    th = result.champion_thresholds
    assert th is not None
    meta = json.loads(sidecars(champion_path)[0].read_text())
    base = str(meta.get("version", "risk")).split("-th", 1)[0]
    version = f"{base}-th{stamp}"
    chosen = (result.report.get("champion_thresholds") or {}).get("chosen_on")
    meta |= {"version": version, "thresholds": {"pin": th.pin, "supervisor": th.supervisor, "decline": th.decline},
             "thresholds_chosen_on": chosen, "target_fpr": TARGET_FPR}
    out.mkdir(parents=True, exist_ok=True)
    model_path = out / "risk.onnx"
    model_path.write_bytes(stamp_version(champion_path.read_bytes(), version))
    model_path.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n")
    sign_model(model_path, key)
    return {"version": version, "thresholds": meta["thresholds"], "chosen_on": chosen,
            "sha256": hashlib.sha256(model_path.read_bytes()).hexdigest()}


def report_markdown(report: dict[str, Any]) -> str:
    """The run's report in MODEL_CARD form."""
    m = report["metrics"]
    rows = []
    for name in ("challenger", "champion"):
        v = m.get(name)
        if v is None:
            rows.append(f"| {name} | - | - | - | - | - | - |")
            continue
        till = v.get("till") or {}
        rows.append(f"| {name} | {v['sales']} | {v['frauds']} | {v.get('roc_auc')} | {v.get('recall_at_budget')} | "
                    f"{v.get('false_decline')} | {till.get('fraud_stopped')} / {till.get('legit_declined')} |")
    w = report["windows"]
    lines = [
        f"# Model report: {report['version']} (retraining as of {report['as_of']})", "",
        f"**{'Promoted' if report['promoted'] else 'Not promoted'}**: {report['reason']}. "
        f"Champion: `{report['champion']}`.", "",
        "## Data", "",
        f"Hub records up to {report['as_of']}; {report['labels_used']} labels known by then (latest "
        f"{report['latest_label_time']}); none later is used. Training {w['train'][0]} .. {w['train'][1]}, "
        f"thresholds on {w['calibration'][0]} .. {w['calibration'][1]}, a {w['gap_days']}-day gap, comparison on "
        f"{w['evaluation'][0]} .. {w['evaluation'][1]}; the last {w['label_delay_days']} days are left out (labels "
        f"still arriving). Training rows: {report['training']['fit_sales']} ({report['training']['fit_frauds']} "
        "fraud)." + (f" Promoted, so the same recipe was trained again on the data up to {report['refit']['up_to']} "
                     f"({report['refit']['fit_sales']} rows, thresholds on its last days): the published model is "
                     "that refit; the metrics below are the compared one's." if report.get("refit") else ""), "",
        "## Metrics (comparison window, cards already reported removed)", "",
        "| model | sales | frauds | ROC AUC | recall at false-decline budget | false-decline rate | retail till: "
        "fraud stopped / legit declined |",
        "|---|---|---|---|---|---|---|", *rows, "",
        "Thresholds: " + ", ".join(f"{k} >= {v:.4f}" for k, v in report["thresholds"].items()) + ".", "",
        *([f"Champion kept; its thresholds re-chosen on {report['rethresholded']['chosen_on']} and published as "
           f"`{report['rethresholded']['version']}`: " + ", ".join(
               f"{k} >= {v:.4f}" for k, v in report["rethresholded"]["thresholds"].items()) + ".", ""]
          if report.get("rethresholded") else []),
        "## Feature importance (share of gain)", "",
        "| feature | share |", "|---|---|", *[f"| {k} | {v} |" for k, v in report["feature_importance"]], "",
        "## Input drift (PSI, training vs comparison window; > 0.25 is a large shift)", "",
        "| feature | PSI |", "|---|---|", *[f"| {k} | {v} |" for k, v in report["input_drift_psi"]], "",
    ]
    return "\n".join(lines)


def load_lines(path: Path) -> list[dict[str, Any]]:
    with path.open() as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _data_end(model_path: Path) -> int | None:
    """When a loop-trained model's data ended (its run's `as_of` less the label delay); None for a model trained
    elsewhere (the shipped one: other seeds)."""
    from models.scorer import sidecars

    try:
        as_of = json.loads(sidecars(model_path)[0].read_text()).get("as_of")
        return None if as_of is None else parse_time(as_of) - Split(as_of=0).label_delay_days * DAY
    except (OSError, ValueError, TypeError):
        return None


def main_retrain(*, sales: Path, labels: Path, as_of: str, out: Path, key_path: Path, champion: Path | None,
                 public_key: bytes | None, trees: int | None, no_champion: bool = False) -> dict[str, Any]:
    """`edgepos risk retrain`: one run from exported hub records; writes the report and, if promoted, the model."""
    from models.scorer import ModelRejected, Scorer, load_verified, shipped_public_key
    from models.train import load_key

    t = parse_time(as_of)
    ls = training_set(load_lines(sales), load_lines(labels), t)
    key, _note = load_key(key_path)
    pub = public_key or shipped_public_key()
    champ = None
    try:
        if not no_champion:
            champ = load_verified(champion, pub) if champion else Scorer.shipped().active
    except ModelRejected:
        champ = None  # a champion that no longer verifies (or computes other features) cannot defend its place
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(t))
    result = run_cycle(ls, Split(as_of=t), champ, version=f"risk-v3-{stamp}",
                       params=None if trees is None else {"n_estimators": trees},
                       champion_data_end=None if champ is None else _data_end(champ.path))
    out.mkdir(parents=True, exist_ok=True)
    if result.promoted:
        write_model(result, out, key)
    elif champ is not None and result.champion_thresholds not in (None, champ.thresholds):
        result.report["rethresholded"] = write_rethresholded(champ.path, result, out, key, stamp)
    (out / "report.json").write_text(json.dumps(result.report, indent=1) + "\n")
    (out / "report.md").write_text(report_markdown(result.report))
    return {k: result.report.get(k) for k in ("version", "as_of", "promoted", "reason", "sha256", "rethresholded")} | {
        "auc": {k: (v or {}).get("roc_auc") for k, v in result.report["metrics"].items()}}

