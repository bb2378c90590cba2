"""`edgepos demo --headless`: the installed command sells a scripted day through the real till and hub, loses
nothing, and a reused --data-dir reopens the same store (journal keeps growing)."""

from __future__ import annotations

import json
import shutil

from edgepos_cli import edgepos

KEYS = ("sales", "approved", "declined", "stepped_up", "offline", "synced", "lost", "p50_ms", "p99_ms",
        "duplicated", "balanced", "device", "data_dir")


def _demo(*args: str) -> dict:
    result = edgepos("demo", "--headless", "--json", *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def test_headless_day_loses_nothing_and_reopens_the_store(tmp_path):
    data = tmp_path / "store"
    first = _demo("--sales", "60", "--data-dir", str(data))
    for key in KEYS:
        assert key in first, key
    assert first["sales"] == 60 and first["approved"] == 60  # cash pays whatever a card did not
    assert first["lost"] == 0 and first["duplicated"] == 0 and first["synced"] == first["approved"]
    assert first["declined"] > 0 and first["offline"] > 0 and first["stepped_up"] > 0
    assert first["balanced"] and first["settled_amount_matches"]
    assert first["records_held"] == first["journal_records"]
    assert 0 < first["p50_ms"] <= first["p99_ms"]
    assert first["device"] == "inprocess"  # headless default: pcscd needs ~0.4 s to notice each card
    assert first["data_dir"] == str(data.resolve())
    assert (data / "hub.db").exists() and (data / "till" / "journal.db").exists()

    # reopened, now with the virtual card through the real pcscd + vpcd where the machine has them (./dev installs)
    device = "pcscd" if shutil.which("pcscd") else "inprocess"
    second = _demo("--sales", "20", "--data-dir", str(data), "--seed", "3", "--devices", device)
    assert second["terminal_id"] == first["terminal_id"]  # same keys, same till
    assert second["device"] == device
    # the login on reopening is journalled too, before the sales
    assert second["journal_records"] >= first["journal_records"] + second["journal_records_this_run"]
    assert second["journal_records"] > first["journal_records"]
    assert second["lost"] == 0 and second["duplicated"] == 0 and second["synced"] == second["approved"] == 20
    assert second["records_held"] == second["journal_records"] and second["balanced"]


def test_headless_human_summary_and_bad_count(tmp_path):
    result = edgepos("demo", "--headless", "--sales", "5", "--data-dir", str(tmp_path / "s"))
    assert result.returncode == 0, result.stderr
    assert "5 sales" in result.stdout and "lost 0" in result.stdout and "balanced" in result.stdout
    bad = edgepos("demo", "--headless", "--sales", "0", "--json")
    assert bad.returncode == 1 and json.loads(bad.stdout)["ok"] is False
