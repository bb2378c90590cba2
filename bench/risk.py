"""Risk decision latency: features (SQLite state written through) + ONNX score + rules, one sale at a time.

Replays a simulated stream (warm-up first, so windows hold realistic history) through `RiskEngine.decide` on a
fresh SQLite state file and times each decision. Run: `python -m bench.risk [count]` or `edgepos bench risk --json`.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.stats import percentile


def run(count: int = 20_000, model: Path | None = None, public_key: bytes | None = None,
        warmup_days: int = 7) -> dict[str, Any]:
    from models.engine import RiskEngine
    from models.features import FeatureState, parse_feedback, parse_tx
    from models.scorer import SHIPPED_MODEL, Scorer
    from models.simulate import Config, generate

    scorer = Scorer(public_key)
    scorer.load(model or SHIPPED_MODEL)
    days = warmup_days + max(1, -(-count // 3500))
    lines = generate(Config(seed=12345, days=days, customers=2000, terminals=1000))
    txs = [(i, parse_tx(line)) for i, line in enumerate(lines) if "feedback" not in line]
    first_timed = max(0, len(txs) - count)
    timed_from = txs[first_timed][0] if txs else 0
    times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="edgepos-risk-bench-") as tmp:
        state = FeatureState(Path(tmp) / "risk.db")
        engine = RiskEngine(state, scorer)
        by_index = dict(txs)
        clock = time.perf_counter
        try:
            for i, line in enumerate(lines):
                if "feedback" in line:
                    state.feedback(*parse_feedback(line))
                    continue
                tx = by_index[i]
                if i < timed_from:
                    engine.decide(tx)
                    continue
                t0 = clock()
                engine.decide(tx)
                times.append(clock() - t0)
        finally:  # the temporary directory goes next: close the database first
            state.close()
    ms = [t * 1000 for t in times]
    n = len(ms)
    return {"decisions": n, "p50_ms": percentile(ms, 0.5, 4), "p99_ms": percentile(ms, 0.99, 4),
            "max_ms": percentile(ms, 1.0, 4),
            "decisions_per_second": round(n / sum(times)), "state": "sqlite (WAL, synchronous=NORMAL)",
            "model": str(scorer.active.version if scorer.active else None),
            "load_avg_1m": round(os.getloadavg()[0], 2)}  # the machine is shared: a busy one inflates p99


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)))
