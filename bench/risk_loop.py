"""The learning loop against a frozen model over 12 weeks of drifting fraud: `edgepos bench risk-loop --weeks 12`.

One simulated stream (weekly drift, `models/simulate.py`; cards confirmed as defrauded are reissued, so the
blacklist does not end up holding most customers): 6 weeks of history, then `weeks` measured weeks whose scenarios
appear, fade and change shape. The hub's confirmed-fraud labels are the simulator's feedback lines, known at
their feedback time. At the end of the history a first model is trained (`models/loop.run_cycle`, no champion): it is
the frozen model, and the loop's first champion. At the end of each measured week the loop retrains as of that
moment (labels known by then only, time split with a gap) and promotes the challenger only if it beats the champion
(`models/loop.should_promote`: higher recall at the false-decline budget, AUC not materially worse); when it keeps the
champion, the champion's thresholds are re-chosen on the latest labelled week (`models/loop.rethreshold`), as the
hub publishes them. The frozen model keeps the thresholds it was shipped with: that is what frozen means.
Each week's sales are decided by the frozen model and by the champion of that week, rules included, as a retail
till decides: recall = fraud stopped (anything but approve), false declines = legitimate sales declined, both on
retail terminals by cards not yet reported; and, to compare ranking apart from thresholds, recall at the 0.1 %
false-decline budget (the threshold set on that week itself).

The verdict, `loop_beats_frozen`, is true when either
  * the loop stops more fraud (pooled recall) with no more false declines than the frozen model, or
  * at the 0.1 % false-decline budget the loop stops more fraud (mean weekly recall at budget) AND its own false
    declines, pooled over the weeks, are within that budget;
so a model that stops more fraud only by declining more legitimate sales beyond the budget does not win. Both parts
are reported (`verdict`).

Features come from one causal replay of the stream (feedback enters when it became known), which equals the replay
of each week's export by construction; only the targets depend on the retraining time.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import numpy as np


def run(weeks: int = 12, seed: int = 31, customers: int = 2000, terminals: int = 1000, trees: int = 200,
        history_days: int = 42) -> dict[str, Any]:
    from models.decision import Thresholds
    from models.features import DAY
    from models.loop import FALSE_DECLINE_BUDGET, LabelledSet, Split, run_cycle, targets_as_of
    from models.simulate import Config, generate
    from models.train import _subset, decision_metrics, replay, threshold_at_fpr

    started = time.perf_counter()
    days = history_days + 7 * weeks
    lines = generate(Config(seed=seed, days=days, customers=customers, terminals=terminals, drift=True,
                            drift_from_day=history_days, reissue=True))
    labels = [{"label": {"id": fb["feedback"]["id"], "time": fb["feedback"]["time"], "kind": "confirmed_fraud",
                         "fraud": True}} for fb in lines if "feedback" in fb]
    r = replay(lines)
    truth = r.y.copy()
    ids = [line["id"] for line in lines if "feedback" not in line]
    t0 = int(r.t.min()) - int(r.t.min()) % DAY
    replayed_s = time.perf_counter() - started

    class Native:
        """A trained challenger scored natively (the same trees the ONNX export scores)."""

        def __init__(self, model: Any, thresholds: Thresholds, version: str) -> None:
            self.model, self.thresholds, self.version = model, thresholds, version
            from models.features import FEATURES

            self.features = FEATURES

        def score_batch(self, x: np.ndarray) -> np.ndarray:
            return self.model.predict_proba(np.asarray(x, dtype=np.float32))[:, 1]

    def cycle(as_of: int, champion: Native | None, n: int) -> tuple[Native, bool, dict[str, Any]]:
        upto = r.t <= as_of
        sub = _subset(r, upto)
        y, used, latest = targets_as_of([ids[i] for i in np.flatnonzero(upto)], labels, as_of)
        sub.y = y
        result = run_cycle(LabelledSet(sub, y, used, latest), Split(as_of=as_of), champion, version=f"loop-{n}",
                           params={"n_estimators": trees}, seed=seed)
        assert result.thresholds is not None
        challenger = Native(result.model, result.thresholds, result.version)
        if result.promoted or champion is None:
            return challenger, result.promoted, result.report
        th = result.champion_thresholds or champion.thresholds
        return Native(champion.model, th, champion.version), False, result.report

    frozen, _, first = cycle(t0 + history_days * DAY, None, 0)
    champion = frozen
    per_week, promotions = [], 0
    pooled: dict[str, list[np.ndarray]] = {"frozen": [], "loop": []}
    masks: list[np.ndarray] = []
    for w in range(weeks):
        lo, hi = t0 + (history_days + 7 * w) * DAY, t0 + (history_days + 7 * (w + 1)) * DAY
        week = (r.t >= lo) & (r.t < hi)
        wk = _subset(r, week)
        wk.y = truth[week]
        fresh = _retail_fresh(wk)
        row: dict[str, Any] = {"week": w + 1, "sales": int(fresh.sum()), "frauds": int((wk.y & fresh).sum()),
                               "champion": champion.version}
        for name, model in (("frozen", frozen), ("loop", champion)):
            scores = model.score_batch(wk.x)
            m = decision_metrics(wk, scores, model.thresholds)
            row[f"{name}_recall"], row[f"{name}_false_decline"] = m["fraud_stopped"], m["legit_declined"]
            s, y = scores[fresh], wk.y[fresh]
            row[f"{name}_recall_at_budget"] = round(float((s >= threshold_at_fpr(s, y, 0.001))[y].mean()), 4)
            pooled[name].append(_decisions(wk, model))
        masks.append(_retail_fresh(wk))
        champion, promoted, report = cycle(hi, champion, w + 1)
        promotions += promoted
        row["retrained"] = {"promoted": promoted, "reason": report["reason"],
                            "decline_threshold": round(champion.thresholds.decline, 6),
                            "challenger_auc": report["metrics"]["challenger"].get("roc_auc"),
                            "champion_auc": (report["metrics"]["champion"] or {}).get("roc_auc")}
        per_week.append(row)
        print(f"[{time.perf_counter() - started:6.0f}s] week {w + 1}: frozen {row['frozen_recall']} / "
              f"{row['frozen_false_decline']}, loop {row['loop_recall']} / {row['loop_false_decline']}, "
              f"{'promoted' if promoted else 'kept'} ({report['reason']})", file=sys.stderr, flush=True)
    totals = {}
    for name in ("frozen", "loop"):
        stopped, declined, fraud, legit = 0, 0, 0, 0
        for (dec, y), mask in zip(pooled[name], masks, strict=True):
            stopped += int(((dec != "approve") & y & mask).sum())
            declined += int(((dec == "decline") & ~y & mask).sum())
            fraud += int((y & mask).sum())
            legit += int((~y & mask).sum())
        totals[f"{name}_recall"] = round(stopped / max(1, fraud), 4)
        totals[f"{name}_false_decline"] = round(declined / max(1, legit), 5)
    for name in ("frozen", "loop"):
        totals[f"{name}_recall_at_budget_mean"] = round(float(np.mean([w[f"{name}_recall_at_budget"]
                                                                        for w in per_week])), 4)
    budget = FALSE_DECLINE_BUDGET
    dominates = totals["loop_recall"] > totals["frozen_recall"] and (
        totals["loop_false_decline"] <= totals["frozen_false_decline"])
    at_budget = totals["loop_recall_at_budget_mean"] > totals["frozen_recall_at_budget_mean"] and (
        totals["loop_false_decline"] <= budget)
    return {"weeks": per_week, **totals, "promotions": promotions, "loop_beats_frozen": dominates or at_budget,
            "verdict": {"rule": "loop_beats_frozen = (loop_recall > frozen_recall and loop_false_decline <= "
                                "frozen_false_decline) or (loop_recall_at_budget_mean > frozen_recall_at_budget_mean "
                                f"and loop_false_decline <= {budget})",
                        "more_fraud_at_no_more_false_declines": dominates,
                        "more_fraud_at_budget_and_within_budget": at_budget,
                        "frozen_within_budget": totals["frozen_false_decline"] <= budget,
                        "frozen_thresholds": "as shipped (never re-chosen)",
                        "loop_thresholds": "re-chosen weekly on the latest labelled week, or the promoted model's"},
            "first_model_auc": first["metrics"]["challenger"].get("roc_auc"),
            "setup": {"seed": seed, "customers": customers, "terminals": terminals, "history_days": history_days,
                      "trees": trees, "profile": "retail", "replay_s": round(replayed_s, 1),
                      "seconds": round(time.perf_counter() - started, 1)}}


def _decisions(wk: Any, model: Any) -> tuple[np.ndarray, np.ndarray]:
    from models.train import decisions

    return np.asarray(decisions(wk, model.score_batch(wk.x), model.thresholds)), wk.y


def _retail_fresh(wk: Any) -> np.ndarray:
    return np.asarray([p == "retail" for p in wk.profile], dtype=bool) & ~wk.known


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 12)))
