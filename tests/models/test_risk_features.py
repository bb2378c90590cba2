"""No train/serve skew: the training replay (one state per till) and each till's SQLite-backed scorer (restarted,
evicting) agree exactly."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from riskkit import small_stream

from models.features import FEATURES, FeatureState, parse_feedback, parse_time, parse_tx
from models.train import replay


def _busiest(lines: list[dict], n: int) -> list[str]:
    counts = Counter(line["terminal_id"] for line in lines if "feedback" not in line)
    return [terminal for terminal, _ in counts.most_common(n)]


def test_training_features_equal_each_tills_online_features_after_restarts_and_evictions(tmp_path: Path) -> None:
    lines = [json.loads(x) for x in small_stream(21, days=10)]
    trained = replay(lines)
    terminal_of = [line["terminal_id"] for line in lines if "feedback" not in line]
    assert trained.x.shape == (len(terminal_of), len(FEATURES))
    for terminal in _busiest(lines, 3):  # what each till computes: its own sales, the feedback on them, and the
        db = tmp_path / f"{terminal}.db"  # hub's blacklist (every card reported so far, wherever)
        state = FeatureState(db, cache_size=5)  # tiny cache: most entities are rebuilt from SQLite
        reported: set[str] = set()
        card_of: dict[str, tuple[str, str]] = {}
        online: list[list[float]] = []
        for n, line in enumerate(lines):
            if n % 3000 == 2999:  # the terminal restarts now and then
                state.close()
                state = FeatureState(db, cache_size=5)
            if "feedback" in line:
                tx_id, when, fraud = parse_feedback(line)
                card, at = card_of[tx_id]
                reported.add(card)
                if at == terminal:
                    state.feedback(tx_id, when, fraud)
                continue
            tx = parse_tx(line)
            card_of[tx.id] = (tx.card, tx.terminal)
            if tx.terminal == terminal:
                online.append(state.observe(tx, blocked=tx.card in reported))
        state.close()
        mine = trained.x[[i for i, t in enumerate(terminal_of) if t == terminal]].tolist()
        assert len(online) == len(mine) > 100
        for row, (a, b) in enumerate(zip(mine, online, strict=True)):
            assert a == b, (terminal, row, [(FEATURES[i], x, y) for i, (x, y) in enumerate(zip(a, b, strict=True))
                                            if x != y])


def test_windows_count_and_expire() -> None:
    state = FeatureState()
    base = json.loads(small_stream(21, days=1)[0])
    base.update(card_token="tk_" + "cd" * 16, terminal_id="T99999", amount_minor=1000)
    i = FEATURES.index
    first = state.observe(parse_tx({**base, "id": "a", "time": "2026-01-05T10:00:00Z"}))
    assert first[i("card_cnt_30d")] == 0 and first[i("card_mean_30d")] == -1
    f = state.observe(parse_tx({**base, "id": "b", "time": "2026-01-05T10:30:00Z", "amount_minor": 3000}))
    assert f[i("card_cnt_1h")] == 1 and f[i("card_sum_1h")] == 10.0 and f[i("card_amount_ratio_30d")] == 3.0
    f = state.observe(parse_tx({**base, "id": "c", "time": "2026-01-05T12:00:00Z"}))
    assert f[i("card_cnt_1h")] == 0 and f[i("card_cnt_1d")] == 2
    f = state.observe(parse_tx({**base, "id": "d", "time": "2026-02-10T12:00:00Z"}))
    assert f[i("card_cnt_30d")] == 0 and f[i("term_cnt_30d")] == 0
    assert state.feedback("c", parse_time("2026-02-10T11:00:00Z"), True) and state.is_blacklisted(base["card_token"])
    f = state.observe(parse_tx({**base, "id": "e", "time": "2026-02-10T12:01:00Z", "card_token": "tk_" + "ef" * 16}))
    assert f[i("term_fraud_30d")] == 1 and f[i("term_risk_30d")] == 1.0


def test_repeated_feedback_counts_once_in_memory_and_in_sqlite(tmp_path: Path) -> None:
    base = json.loads(small_stream(21, days=1)[0])
    for state in (FeatureState(), FeatureState(tmp_path / "r.db")):
        state.observe(parse_tx({**base, "id": "a", "time": "2026-01-05T10:00:00Z"}))
        when = parse_time("2026-01-06T10:00:00Z")
        assert state.feedback("a", when, True) and state.feedback("a", when, True)
        assert not state.feedback("unknown", when, True)
        f = state.observe(parse_tx({**base, "id": "b", "time": "2026-01-06T11:00:00Z", "card_token": "tk_00"}))
        assert f[FEATURES.index("term_fraud_30d")] == 1
        state.close()


def test_cli_scores_equal_training_pipeline_scores() -> None:
    """One till's stream (its sales and the feedback on them) through `edgepos risk score` and through training."""
    from riskkit import risk

    from models.scorer import Scorer

    lines = [json.loads(x) for x in small_stream(23, days=6)]
    terminal = _busiest(lines, 1)[0]
    ids = {line["id"] for line in lines if line.get("terminal_id") == terminal}
    own = [line for line in lines if line.get("terminal_id") == terminal or line.get("feedback", {}).get("id") in ids]
    expected = Scorer.shipped().active.score_batch(replay(own).x)
    result = risk("score", stdin="".join(json.dumps(line) + "\n" for line in own))
    got = [json.loads(x)["score"] for x in result.stdout.splitlines()]
    assert len(got) == len(expected) > 20
    assert got == [round(float(s), 6) for s in expected]
