"""A real till against a real hub process: it sells to the hub it was given (and no other), its receipts carry the
store's name and time zone, the cashier app opens on it without demo parts, and a till restored from an older backup
refuses to sell into a conflict until `edgepos till catch-up` has fetched what it lacks."""

from __future__ import annotations

import json
import shutil
import tarfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tillkit import KEY_SECRET, TEA, cli, enrol, init, shell, start_hub

from hub.process import HubProcess
from terminal.bootstrap import open_till


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[HubProcess, Path]]:
    process, db = start_hub(tmp_path_factory.mktemp("hub"))
    yield process, db
    process.stop()


@pytest.fixture
def till(tmp_path: Path, hub: tuple[HubProcess, Path]) -> Path:
    process, db = hub
    till_dir = tmp_path / "till"
    init(till_dir, process.url)
    enrol(process, db, till_dir)
    added = cli("operators", "add", "--data-dir", str(till_dir), "--id", "C-002", "--name", "Chen", "--role",
                "cashier", "--by", "M-001", stdin="4321\n2222\n2222\n")
    assert added.code == 0, added.err
    return till_dir


def sell(till_dir: Path, *items: str) -> tuple[int, dict, str]:
    args = [arg for item in items for arg in ("--sell", item)]
    result = cli("run", "--data-dir", str(till_dir), *args, "--operator", "C-002", "--json", stdin="2222\n")
    data = json.loads(result.out) if result.out.strip() else {}
    return result.code, data, data.get("error") or result.err  # --json: a refusal is a JSON object too


def hub_head(hub: HubProcess, terminal_id: str) -> tuple[int, dict]:
    status = hub.admin("GET", f"/v1/admin/terminals/{terminal_id}")
    return status["last_seq"], status["records"]


def journal_head(till_dir: Path) -> int:
    with open_till(till_dir, secret=KEY_SECRET.encode()) as store:
        return store.till.journal.head()[0]


def test_till_sells_to_the_hub_it_was_given_and_no_other(till: Path, hub, tmp_path: Path) -> None:
    process, _ = hub
    code, sale, err = sell(till, TEA, f"{TEA}*2")
    assert code == 0, err
    assert sale["synced"] and sale["total"] == {"amount": 1050, "currency": "CNY"}
    receipt = sale["receipt"]
    assert receipt.splitlines()[0].strip() == "Lotus Mart" and " CST" in receipt  # Asia/Shanghai time
    assert hub_head(process, sale["terminal_id"])[0] == journal_head(till)
    assert not [p for p in till.rglob("*") if p.name.startswith("hub")]  # no embedded hub, no hub database
    other, _ = start_hub(tmp_path / "other-hub")
    try:
        with pytest.raises(httpx.HTTPStatusError):
            other.admin("GET", f"/v1/admin/terminals/{sale['terminal_id']}")
    finally:
        other.stop()


def test_restored_older_backup_does_not_sell_into_a_conflict(till: Path, hub, tmp_path: Path) -> None:
    process, _ = hub
    assert sell(till, TEA)[0] == 0
    backup = tmp_path / "monday.tar"
    made = shell("backup", "--data-dir", str(till), str(backup))  # online: as the till would be running
    assert made.returncode == 0, made.stderr
    assert oct(backup.stat().st_mode & 0o777) == oct(0o600)
    with tarfile.open(backup) as tar:  # the key store travels sealed, exactly as on the till's disk
        assert tar.extractfile("keys.json").read() == (till / "keys.json").read_bytes()
    code, later, _ = sell(till, TEA, TEA)  # the hub now holds more than the backup
    assert code == 0 and later["synced"]
    hub_seq, hub_records = hub_head(process, later["terminal_id"])

    shutil.move(till, tmp_path / "broken-till")  # the disk died; the technician restores Monday's backup
    restored = cli("restore", str(backup), "--data-dir", str(till))
    assert restored.code == 0, restored.err
    assert "journal intact" in restored.out
    local_seq = journal_head(till)
    assert local_seq < hub_seq

    code, _, sentence = sell(till, TEA)
    assert code == 5 and "must not sell" in sentence
    refusal = cli("run", "--data-dir", str(till))  # the app itself: one sentence, no window opens
    assert refusal.code == 5
    (line,) = refusal.err.strip().splitlines()
    assert "must not sell" in line and f"edgepos till catch-up --data-dir {till}" in line
    assert journal_head(till) == local_seq  # nothing was appended, not even a log-in
    assert hub_head(process, later["terminal_id"]) == (hub_seq, hub_records)  # the hub saw no conflict

    caught_up = cli("till", "catch-up", "--data-dir", str(till), "--json")
    assert caught_up.code == 0, caught_up.err
    assert json.loads(caught_up.out)["adopted"] == hub_seq - local_seq
    code, again, err = sell(till, TEA)
    assert code == 0 and again["synced"], err
    assert hub_head(process, again["terminal_id"])[0] == journal_head(till)
    assert "rejected" not in hub_head(process, again["terminal_id"])[1]


def test_restored_till_stays_closed_until_it_reaches_the_hub(till: Path, tmp_path: Path) -> None:
    backup = tmp_path / "b.tar"
    assert cli("backup", "--data-dir", str(till), str(backup)).code == 0
    restored = tmp_path / "restored"
    assert cli("restore", str(backup), "--data-dir", str(restored)).code == 0
    text = (restored / "till.toml").read_text()
    (restored / "till.toml").write_text(text.replace(text.split('url = "', 1)[1].split('"', 1)[0],
                                                     "http://127.0.0.1:9"))  # the network is down
    code, _, err = sell(restored, TEA)
    assert code == 5 and "has not reached the hub yet" in err
    staff = cli("operators", "disable", "--data-dir", str(restored), "--id", "C-002", "--by", "M-001",
                stdin="4321\n")
    assert staff.code == 1 and "restored from a backup" in staff.err  # would journal a record the hub may hold
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(backup) as tar:
        where = tar.getmember("journal.db").offset_data + 2000
    data = bytearray(backup.read_bytes())
    data[where] ^= 0x01  # one bit of the journal flipped on the backup disk
    damaged.write_bytes(bytes(data))
    bad = cli("restore", str(damaged), "--data-dir", str(tmp_path / "x"))
    assert bad.code == 1 and "damaged" in bad.err and not (tmp_path / "x").exists()
    wrong_secret = cli("restore", str(backup), "--data-dir", str(tmp_path / "y"),
                       env={"EDGEPOS_KEY_SECRET": "not-the-secret-of-this-till"})
    assert wrong_secret.code == 1 and "key store" in wrong_secret.err and not (tmp_path / "y").exists()


def test_cashier_app_opens_on_the_real_till_without_demo_parts(till: Path, hub, qtbot) -> None:
    from PySide6.QtWidgets import QPushButton

    from terminal.ui.app import build_window

    process, _ = hub
    with open_till(till, secret=KEY_SECRET.encode()) as store:
        window = build_window(store)
        qtbot.addWidget(window)
        names = {b.objectName() for b in window.findChildren(QPushButton)}
        assert {"login_pick_M-001", "login_pick_C-002"} <= names
        assert not [n for n in names if n.startswith("login_pick_") and n not in ("login_pick_M-001",
                                                                                 "login_pick_C-002")]
        assert not [n for n in names if "_present_" in n or "demo" in n.lower()]
        assert store.till.uplink.client.hub_url.rstrip("/") == process.url
        assert oct((till / "sales-index.db").stat().st_mode & 0o777) == oct(0o600)  # built by the app at start
        window.shop.till.uplink.stop()
        window.close()
