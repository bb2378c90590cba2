"""A lane process killed (SIGKILL) in the middle of a payment comes back clean: a payment the journal shows approved
finishes the sale once, anything less is cancelled; never lost, never charged twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from sync.journal import Journal
from sync.keystore import FileKeyStore
from terminal.kiosk.wiring import demo_lane

HERE = Path(__file__).parent
SECRET = "kiosk-crash-test-secret-0123456789"


def _run_until_crash(where: Path, crash_at: str) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE.parent.parent), str(HERE)])}
    child = subprocess.Popen([sys.executable, str(HERE / "crash_lane.py"), str(where), crash_at, SECRET],
                             stdout=subprocess.PIPE, text=True, env=env)
    try:
        sale_id = ""
        assert child.stdout is not None
        for line in child.stdout:
            if line.startswith("CRASHPOINT"):
                sale_id = line.split()[1]
                break
        assert sale_id, "the lane never reached the crash point"
        child.send_signal(signal.SIGKILL)  # a power cut: no cleanup, no flush beyond what was durable
    finally:
        child.wait(timeout=10)
    return sale_id


def _records(where: Path) -> list:
    keystore = FileKeyStore.open(where / "keys.json", SECRET.encode()) if (where / "keys.json").exists() else None
    assert keystore is not None
    with Journal.open(where / "journal.db", keystore) as journal:
        return list(journal.records())


@pytest.mark.parametrize(("crash_at", "finished"), [("tender.approved", True), ("kiosk.basket", False)])
def test_killed_lane_finishes_or_voids_once(tmp_path: Path, crash_at: str, finished: bool) -> None:
    where = tmp_path / "lane"
    sale_id = _run_until_crash(where, crash_at)
    with demo_lane(where, secret=SECRET.encode()) as wired:  # the restart
        report = wired.recovery
        assert (report.finished if finished else report.voided) == [sale_id]
        assert wired.lane.step == "attract" and wired.till.checkout.state == "idle"
    with demo_lane(where, secret=SECRET.encode()) as again:  # a second restart has nothing left to do
        assert again.recovery.clean
    records = [r for r in _records(where) if r.payload.get("sale_id") == sale_id]
    kinds = [r.type for r in records]
    approved = kinds.count("tender.approved")
    if finished:
        assert approved == 1 and kinds.count("sale.completed") == 1 and "sale.cancelled" not in kinds
        completed = next(r for r in records if r.type == "sale.completed").payload
        assert completed["paid"] == completed["totals"]["total"]
    else:
        assert approved == 0 and kinds.count("sale.cancelled") == 1 and "sale.completed" not in kinds
