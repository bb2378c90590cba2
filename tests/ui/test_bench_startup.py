"""`edgepos bench startup --json` runs the real app as a subprocess and reports its numbers (no timing asserted:
speed targets live in the benchmark, README has the figures)."""

from __future__ import annotations

import json

from edgepos_cli import edgepos


def test_bench_startup_json(monkeypatch) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    run = edgepos("bench", "startup", "--runs", "1", "--sales", "3", "--json")
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(run.stdout)
    assert result["window_cpu_ms"] > 0 and 0 < result["window_ms"] < result["ready_ms"]
    assert result["window_ms_reopened"] > 0
    assert result["rss_mb"] > 50 and result["hub_rss_mb"] > 20
    assert result["sales"] == 3 and result["platform"] == "offscreen"
