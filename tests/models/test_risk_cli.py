"""`edgepos risk score` / `simulate` / `bench risk` as users run them."""

from __future__ import annotations

import json
from pathlib import Path

from riskkit import risk, sale, small_stream

from hub.process import edgepos_command


def test_simulate_then_score_replays_deterministically(tmp_path: Path) -> None:
    sim = risk("simulate", "--days", "2", "--seed", "4", "--customers", "200", "--terminals", "100")
    assert sim.returncode == 0, sim.stderr
    again = risk("simulate", "--days", "2", "--seed", "4", "--customers", "200", "--terminals", "100")
    assert sim.stdout == again.stdout
    n_tx = sum(1 for x in sim.stdout.splitlines() if '"feedback"' not in x)
    first = risk("score", stdin=sim.stdout)
    second = risk("score", "--state", str(tmp_path / "s.db"), stdin=sim.stdout)
    assert first.returncode == 0 and first.stderr == "", first.stderr
    assert first.stdout == second.stdout
    out = [json.loads(x) for x in first.stdout.splitlines()]
    assert len(out) == n_tx
    for o in out:
        assert set(o) == {"id", "score", "decision", "reasons"} and 0 <= o["score"] <= 1
        assert o["decision"] in ("approve", "step_up_pin", "step_up_supervisor", "decline")
        assert all(r["code"] and r["text"] for r in o["reasons"])


def test_feedback_blacklists_the_token_and_state_survives_restart(tmp_path: Path) -> None:
    db = str(tmp_path / "state.db")
    run1 = risk("score", "--state", db, stdin="\n".join([
        json.dumps(sale("s1")),
        json.dumps({"feedback": {"id": "s1", "time": "2026-01-06T09:00:00Z", "fraud": True}}),
    ]) + "\n")
    assert run1.returncode == 0 and len(run1.stdout.splitlines()) == 1  # feedback produces no output line
    assert json.loads(run1.stdout)["decision"] == "approve"
    run2 = risk("score", "--state", db, stdin=json.dumps(sale("s2", "2026-01-07T10:00:00Z", amount_minor=300)) + "\n")
    out = json.loads(run2.stdout)
    assert out["decision"] == "decline" and out["reasons"][0]["code"] == "blacklisted"
    assert "blocked" in out["reasons"][0]["text"]


def test_hostile_lines_are_reported_and_skipped_never_a_traceback(tmp_path: Path) -> None:
    bad = [
        "not json", "[1, 2]", "null", "{}", "[" * 100_000, json.dumps(sale("b1", amount_minor=-5)),
        json.dumps(sale("b2", amount_minor=True)), json.dumps(sale("b3", amount_minor=12.5)),
        json.dumps(sale("b4", time="2026-01-05T10:00:00")), json.dumps(sale("b5", time=12)),
        json.dumps(sale("b6", tender="barter")), json.dumps(sale("b7", lat=float("nan"))),
        json.dumps(sale("b8", currency="cny")), json.dumps(sale("x" * 10_000)),
        json.dumps(sale("b9", profile="casino")), '{"feedback": {"id": "g1"}}', '{"feedback": 3}',
        json.dumps(sale("g1")),  # duplicate of the first good line
        '{"amount_minor": 1e999}', "\ufeff{}",
    ]
    good = [json.dumps(sale("g1")), json.dumps(sale("g2", "2026-01-05T10:05:00Z"))]
    stdin = "\n".join([good[0], *bad, good[1]]) + "\n"
    result = risk("score", "--state", str(tmp_path / "s.db"), stdin=stdin)
    assert result.returncode == 0
    assert [json.loads(x)["id"] for x in result.stdout.splitlines()] == ["g1", "g2"]
    errors = [x for x in result.stderr.splitlines() if x.startswith("edgepos risk: line ")]
    assert len(errors) == len(bad)
    assert "Traceback" not in result.stderr


def test_bad_options_and_state_file_fail_cleanly(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    result = risk("score", "--state", str(junk), stdin=json.dumps(sale("a")) + "\n")
    assert result.returncode == 1 and "cannot open state" in result.stderr and "Traceback" not in result.stderr
    assert junk.read_bytes() == b"this is not sqlite" * 100
    result = risk("simulate", "--days", "1", "--mix", "bogus=2")
    assert result.returncode == 1 and "unknown scenario" in result.stderr


def test_bench_risk_json_keys() -> None:
    import subprocess

    result = subprocess.run([*edgepos_command(), "bench", "risk", "--count", "300", "--json"], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"p50_ms", "p99_ms", "decisions_per_second"} <= set(data)
    assert 0 < data["p50_ms"] <= data["p99_ms"] and data["decisions_per_second"] > 0


def test_stream_from_the_simulator_fixture_scores() -> None:
    result = risk("score", "--profile", "b2b", stdin="\n".join(small_stream(41, days=1)[:200]) + "\n")
    assert result.returncode == 0 and result.stdout.count("\n") > 100


def test_offline_limits_apply_with_offline_since() -> None:
    lines = [json.dumps(sale("o1", amount_minor=60_000)), json.dumps(sale("o2", "2026-01-05T10:01:00Z"))]
    result = risk("score", "--offline-since", "2026-01-05T08:00:00Z", stdin="\n".join(lines) + "\n")
    first, second = (json.loads(x) for x in result.stdout.splitlines())
    assert first["decision"] == "decline" and first["reasons"][0]["code"] == "offline_sale_limit"
    assert second["decision"] == "approve"
    stale = risk("score", "--offline-since", "2026-01-01T08:00:00Z", stdin=lines[1] + "\n")
    assert json.loads(stale.stdout)["reasons"][0]["code"] == "offline_too_long"
