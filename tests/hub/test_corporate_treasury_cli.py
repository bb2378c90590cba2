"""`edgepos hub schedule|wallet|alerts` on a real hub store: an integrator's session from the command line, with the
maker-checker rule and user roles enforced as on the pages."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hubkit import ADMIN_TOKEN, unique
from officekit import PASSWORD

from hub.backoffice.users import add_user
from hub.cli import ADMIN_TOKEN_ENV
from hub.corporate import wallet
from hub.downstream import RatesUpdate
from hub.store import Store
from terminal.cli import main


def edgepos(capsys: pytest.CaptureFixture[str], db: Path, *argv: str) -> tuple[int, str, str]:
    code = main(["hub", "--db", str(db), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_schedule_wallet_and_alerts_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ADMIN_TOKEN_ENV, ADMIN_TOKEN)
    db = tmp_path / "hub.db"
    store = Store.open(db)
    merchant = unique("M")
    for name, role in (("fin", "finance"), ("boss", "admin"), ("boss2", "admin"), ("mgr", "manager")):
        add_user(store, name, PASSWORD, role, merchant)
    store.put_rates(RatesUpdate(base="CNY", as_of=datetime.now(UTC), rates={"USD": "0.1400"}))
    m = ("--merchant", merchant)
    today = datetime.now(UTC).date().isoformat()

    code, out, _ = edgepos(capsys, db, "wallet", "open", *m, "--cap", "1000.00", "--as", "boss")
    assert code == 0 and "opened" in out
    assert edgepos(capsys, db, "wallet", "open", *m, "--as", "fin")[0] == 2  # finance opens no wallet
    with store.backend.transaction() as tx:  # takings: 5,000 CNY arrive in hot
        wallet.deposit(tx, merchant, "CNY", 5000_00, "takings", datetime.now(UTC))
    code, out, _ = edgepos(capsys, db, "wallet", "show", *m, "--json")
    [cny] = json.loads(out)["balances"]
    assert (cny["hot"], cny["cold"]) == (1000_00, 4000_00)

    code, out, _ = edgepos(capsys, db, "wallet", "move", *m, "--from", "cold", "--to", "bank", "--amount", "2500",
                           "--reason", "tax", "--as", "boss", "--json")
    move = json.loads(out)
    assert code == 0 and move["status"] == "pending"
    code, _, err = edgepos(capsys, db, "wallet", "approve", move["id"], *m, "--as", "boss")
    assert code == 2 and "another user must approve" in err
    assert edgepos(capsys, db, "wallet", "approve", move["id"], *m, "--as", "fin")[0] == 2  # not an admin
    code, out, _ = edgepos(capsys, db, "wallet", "approve", move["id"], *m, "--as", "boss2")
    assert code == 0 and "done by boss2" in out
    code, out, _ = edgepos(capsys, db, "wallet", "show", *m)
    assert "cold 1500.00 CNY" in out

    code, out, _ = edgepos(capsys, db, "schedule", "add", *m, "--payee", "Paper Co", "--account",
                           "6222020200112233445", "--bank-code", "ICBKCNBJ", "--amount", "55000.00", "--on", today,
                           "--monthly", "--as", "fin", "--json")
    schedule = json.loads(out)
    assert code == 0 and (schedule["repeat"], schedule["status"]) == ("monthly", "pending")
    assert json.loads(edgepos(capsys, db, "schedule", "run")[1])["ran"] == 0  # not approved yet
    code, _, err = edgepos(capsys, db, "schedule", "approve", schedule["id"], *m, "--as", "fin")
    assert code == 2 and "admin" in err
    code, out, _ = edgepos(capsys, db, "schedule", "approve", schedule["id"], *m, "--as", "boss")
    assert code == 0 and "active (by boss)" in out
    assert edgepos(capsys, db, "schedule", "add", *m, "--payee", "X", "--account", "1", "--bank-code", "B",
                   "--amount", "1", "--on", today, "--as", "mgr")[0] == 2  # a manager schedules nothing
    code, out, _ = edgepos(capsys, db, "schedule", "run")
    assert json.loads(out)["ran"] == 1
    assert json.loads(edgepos(capsys, db, "schedule", "run")[1])["ran"] == 0  # once
    code, out, _ = edgepos(capsys, db, "schedule", "list", *m, "--json")
    [row] = json.loads(out)
    assert [o["status"] for o in row["occurrences"]] == ["paid"]

    code, out, _ = edgepos(capsys, db, "alerts", "list", *m, "--json")  # 55,000 CNY: above the large threshold
    [alert] = json.loads(out)
    assert (alert["kind"], alert["payee_shown"], alert["amount"]) == ("large", "6222***********3445", 55_000_00)
    code, out, _ = edgepos(capsys, db, "alerts", "resolve", alert["id"], *m, "--as", "fin", "--comment",
                           "tender 2026-11 approved by the board")
    assert code == 0 and "resolved by fin" in out
    assert json.loads(edgepos(capsys, db, "alerts", "list", *m, "--json")[1]) == []
    actors = store.view(lambda tx: tx.all("SELECT actor, action FROM bo_actions WHERE merchant_id = ? AND action "
                                          "LIKE 'wallet.%' ORDER BY at", (merchant,)))
    assert actors == [("boss", "wallet.open"), ("boss", "wallet.move"), ("boss2", "wallet.approve")]
    store.close()
