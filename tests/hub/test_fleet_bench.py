"""The fleet simulator (`edgepos bench fleet`) on a small fleet: real terminals' journals and uplinks, a real hub
process over PostgreSQL, an outage and the reconnect; nothing the terminals journalled is lost or booked twice."""

from __future__ import annotations

import json
import os

import pytest
from hubkit import PG_ADMIN_DSN, pg_available

from bench.fleet import plan, run
from terminal.cli import main

KEYS = {"terminals", "records", "lost", "duplicated", "drain_seconds", "records_per_second", "sync_round_p99_ms",
        "auth_p99_ms", "rejected_429", "hub_workers", "scaling"}


@pytest.fixture(scope="module", autouse=True)
def _postgres() -> None:
    if not pg_available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not reachable on 127.0.0.1:5432 (CI runs the fleet bench on it)")
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")


def test_small_fleet_through_an_outage_loses_and_duplicates_nothing() -> None:
    result = run(5, 3, outage_s=1.5, online_s=1.0, storm_sell_s=1.0, client_nice=0, dsn=PG_ADMIN_DSN)

    assert result.keys() >= KEYS
    assert result["terminals"] == 5
    assert result["records"] == 15  # every sale journalled, each one record
    assert (result["lost"], result["duplicated"]) == (0, 0)
    assert result["drained"] and result["balanced"]
    assert result["hub_workers"] == 1 and result["scaling"] == 1.0
    offline = dict(plan(3, 1))["outage-1"] * 5
    assert offline >= 5 and result["phases"]["outage-1"]["sales"] == offline
    assert result["phases"]["storm-1"]["backlog_records"] >= offline  # the outage's sales waited for the hub


def test_sales_are_spread_over_the_phases_in_full() -> None:
    assert plan(20, 2) == [("online", 4), ("outage-1", 6), ("storm-1", 2), ("outage-2", 6), ("storm-2", 2)]
    assert sum(n for _, n in plan(3, 1)) == 3
    assert sum(n for _, n in plan(7, 4)) == 7
    alternating = [name for name, _ in plan(40, 2, rounds=2)]
    assert alternating == ["online", "outage-1", "storm-1", "outage-2", "storm-2", "outage-1-r2", "storm-1-r2",
                           "outage-2-r2", "storm-2-r2"]


def test_command_line_refuses_a_fleet_of_nobody(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "fleet", "--terminals", "0", "--json"]) == 1
    assert "must be positive" in capsys.readouterr().err


def test_json_is_one_object(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["bench", "fleet", "--terminals", "2", "--sales-per-terminal", "2", "--outage-seconds", "1",
                 "--online-seconds", "0.5", "--storm-sell-seconds", "0.5", "--client-nice", "0", "--dsn",
                 PG_ADMIN_DSN, "--json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0, result
    assert result.keys() >= KEYS and result["lost"] == 0 and result["duplicated"] == 0
