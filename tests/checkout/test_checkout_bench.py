"""`edgepos bench checkout`: the installed command runs scripted sales end to end and loses nothing."""

from __future__ import annotations

import json

from edgepos_cli import edgepos


def test_bench_checkout_small_run_loses_nothing(tmp_path):
    result = edgepos("bench", "checkout", "--sales", "40", "--json", "--data-dir", str(tmp_path / "data"))
    assert result.returncode == 0, result.stderr
    numbers = json.loads(result.stdout)
    for key in ("sales", "approved", "declined", "stepped_up", "offline", "synced", "lost", "p50_ms", "p99_ms"):
        assert key in numbers
    assert numbers["sales"] == 40 and numbers["approved"] == 40  # every scripted sale ends paid (cash at worst)
    assert numbers["lost"] == 0 and numbers["duplicated"] == 0 and numbers["synced"] == 40
    assert numbers["declined"] > 0 and numbers["stepped_up"] > 0 and numbers["offline"] > 0
    assert numbers["settled_amount_matches"] and numbers["balanced"]
    assert numbers["records_held"] == numbers["journal_records"]
    assert (tmp_path / "data" / "hub.db").exists() and (tmp_path / "data" / "till" / "journal.db").exists()
    assert 0 < numbers["p50_ms"] <= numbers["p99_ms"]


def test_bench_checkout_refuses_a_used_data_dir(tmp_path):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "something").write_text("x")
    result = edgepos("bench", "checkout", "--sales", "1", "--json", "--data-dir", str(tmp_path / "used"))
    assert result.returncode == 1 and "not empty" in json.loads(result.stdout)["error"]
