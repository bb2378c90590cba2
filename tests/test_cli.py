"""The `edgepos` command line as users and scripts run it: version, usage errors, the journal benchmark."""

from __future__ import annotations

import json
import os

import pytest
from edgepos_cli import edgepos

from hub.postgres_backend import reachable
from terminal import __version__


def test_version():
    result = edgepos("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"edgepos {__version__}"


def test_usage_errors_exit_2_and_there_are_no_placeholder_commands():
    assert edgepos().returncode == 2
    assert edgepos("journal", "verify").returncode == 2  # --db missing
    assert edgepos("demo", "--devices", "usb").returncode == 2
    assert "--headless" in edgepos("demo", "--help").stdout
    for later in ("provision",):  # `run` works since the real till (issue 20), `kiosk` since issue 13
        assert edgepos(later).returncode == 2, f"`edgepos {later}` exists before it works"
    kiosk = edgepos("kiosk")  # a lane needs its till: one sentence saying so
    assert kiosk.returncode == 1 and "--data-dir" in kiosk.stderr


def test_bench_journal_prints_its_numbers_and_keeps_a_verifiable_journal(tmp_path):
    db = tmp_path / "bench.db"
    result = edgepos("bench", "journal", "--json", "--db", str(db), "--count", "300")
    assert result.returncode == 0, result.stderr
    numbers = json.loads(result.stdout)
    assert numbers["appends"] == 300
    assert 0 < numbers["p50_ms"] <= numbers["p99_ms"] <= numbers["max_ms"]
    assert numbers["appends_per_second"] > 0

    verified = edgepos("journal", "verify", "--db", str(db), "--json", "--public-key", numbers["public_key"])
    assert verified.returncode == 0
    assert json.loads(verified.stdout)["records"] == 301  # bench.start + the sales

    again = edgepos("bench", "journal", "--db", str(db), "--count", "10")
    assert again.returncode == 1 and "already exists" in again.stderr
    assert edgepos("journal", "verify", "--db", str(db)).returncode == 0  # the first run's journal is untouched

    data = bytearray(db.read_bytes())
    at = data.find(b'"sale_id"')  # inside some sale's signed payload
    assert at > 0
    data[at + 3] ^= 0x20
    db.write_bytes(bytes(data))
    assert edgepos("journal", "verify", "--db", str(db)).returncode == 3


def test_bench_refuses_a_silly_count():
    result = edgepos("bench", "journal", "--count", "0", "--json")
    assert result.returncode == 1 and json.loads(result.stdout)["ok"] is False


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_bench_sync_drains_to_a_real_hub_and_reports_its_numbers(backend):
    if backend == "postgresql" and not reachable() and not os.environ.get("CI"):
        pytest.skip("no PostgreSQL on 127.0.0.1:5432 (CI runs it)")
    result = edgepos("bench", "sync", "--count", "60", "--auth-calls", "5", "--backend", backend, "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    got = json.loads(result.stdout)[backend]
    assert (got["lost"], got["duplicated"], got["pending_after"]) == (0, 0, 0), got
    assert got["settled_amount_matches"] and got["balanced"]
    assert got["drain_seconds"] > 0 and got["postings_per_second"] > 0
    assert 0 < got["auth_p50_ms"] <= got["auth_p99_ms"]
