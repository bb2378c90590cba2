"""Fleet management against a real hub process and a real till: health on every sync, the fleet list (CLI and
API), remote actions run at the next sync (each once), and retirement under load: every sale the journal took is
at the hub, none after the stop, the keys are wiped and the old key is refused."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from tillkit import KEY_SECRET, cli, enrol, init, start_hub

from hub.process import HubProcess
from sync.hub_client import HubClient, HubRefused
from sync.journal import Journal, JournalError
from sync.keystore import FileKeyStore
from sync.layout import JOURNAL, KEYS


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[HubProcess, Path]]:
    process, db = start_hub(tmp_path_factory.mktemp("fleet-hub"))
    yield process, db
    process.stop()


@pytest.fixture
def till(tmp_path: Path, hub: tuple[HubProcess, Path]) -> Path:
    process, db = hub
    till_dir = tmp_path / "till"
    init(till_dir, process.url)
    enrol(process, db, till_dir)
    return till_dir


def checkin(till: Path) -> dict:
    result = cli("fleet", "checkin", "--data-dir", str(till), "--json")
    return {"code": result.code, **json.loads(result.out)}


def terminal_id(till: Path) -> str:
    return FileKeyStore.open(till / KEYS, KEY_SECRET.encode()).terminal_id


def fleet_row(hub: HubProcess, tid: str) -> dict:
    return next(t for t in hub.admin("GET", "/v1/admin/fleet") if t["terminal_id"] == tid)


def sale(n: int) -> dict:
    return {"type": "sale", "sale_id": f"S-{n:06d}-{uuid.uuid4().hex[:8]}", "currency": "CNY", "status": "paid",
            "tenders": [{"kind": "cash", "amount": {"amount": 100 + n, "currency": "CNY"}}],
            "totals": {"total": {"amount": 100 + n, "currency": "CNY"}},
            "change": {"amount": 0, "currency": "CNY"}}


def test_health_every_sync_and_remote_actions_at_the_next_one(till: Path, hub: tuple[HubProcess, Path]) -> None:
    process, db = hub
    tid = terminal_id(till)
    first = checkin(till)
    assert first["code"] == 0 and first["reported"], first
    row = fleet_row(process, tid)
    assert row["state"] == "active" and row["last_seen_at"] and row["health"]["queue_pending"] == 0
    assert row["health"]["versions"]["edgepos"]
    listed = cli("hub", "fleet", "list", "--db", str(db), "--json")
    assert listed.code == 0 and tid in {t["terminal_id"] for t in json.loads(listed.out)}

    process.admin("PUT", "/v1/admin/config", json={"values": {"store.name": "Lotus Mart East"}})
    for action in ("resync", "reload_config", "send_logs"):
        queued = process.admin("POST", f"/v1/admin/fleet/{tid}/actions", json={"action": action})
        assert queued["state"] == "queued"
    by_cli = cli("hub", "fleet", "action", tid, "rotate_key", "--db", str(db))
    assert by_cli.code == 0, by_cli.err
    assert fleet_row(process, tid)["open_actions"] == ["resync", "reload_config", "send_logs", "rotate_key"]

    ran = checkin(till)  # the next sync runs them, in order
    assert [(a["action"], a["ok"]) for a in ran["actions"]] == [
        ("resync", True), ("reload_config", True), ("send_logs", True), ("rotate_key", True)]
    assert 'name = "Lotus Mart East"' in (till / "till.toml").read_text()
    assert checkin(till)["actions"] == []  # each runs once; the results reached the hub with this check-in
    states = {a["action"]: a["state"] for a in process.admin("GET", f"/v1/admin/fleet/{tid}/actions")}
    assert states == {"resync": "done", "reload_config": "done", "send_logs": "done", "rotate_key": "done"}
    logs = process.admin("GET", f"/v1/admin/fleet/{tid}/logs")
    assert len(logs) == 1 and tid in logs[0]["text"] and "status:" in logs[0]["text"]


def test_retirement_under_load_loses_no_sale_and_refuses_the_old_key(till: Path, hub: tuple[HubProcess, Path]
                                                                     ) -> None:
    process, _ = hub
    tid = terminal_id(till)
    keystore = FileKeyStore.open(till / KEYS, KEY_SECRET.encode())
    kept: list[int] = []
    refused: list[str] = []
    stop = threading.Event()

    def selling() -> None:  # a till app selling while the sync daemon retires the terminal
        with Journal.open(till / JOURNAL, keystore) as journal:
            n = 0
            while not stop.is_set():
                try:
                    kept.append(journal.append("sale.completed", sale(n)).seq)
                except JournalError as exc:
                    refused.append(str(exc))
                    stop.wait(0.01)
                n += 1

    seller = threading.Thread(target=selling)
    seller.start()
    try:
        while len(kept) < 50:
            stop.wait(0.01)
        process.admin("POST", f"/v1/admin/fleet/{tid}/actions", json={"action": "retire"})
        outcome = checkin(till)
        while len(refused) < 3:  # sales after the stop are refused before "approved"
            stop.wait(0.01)
    finally:
        stop.set()
        seller.join()
    assert outcome["code"] == 8 and outcome["retired"], outcome
    assert kept and refused and "retired" in refused[0]
    row = fleet_row(process, tid)
    assert row["state"] == "retired" and row["last_seq"] == max(kept)  # every sale the journal took is at the hub
    status = process.admin("GET", f"/v1/admin/terminals/{tid}")
    assert status["records"].get("accepted", 0) >= len(kept)
    assert not (till / KEYS).exists() and (till / "RETIRED").exists()
    with HubClient(keystore, process.url) as old, pytest.raises(HubRefused) as gone:
        old.config()  # the old key, kept by someone: refused
    assert gone.value.code == "unknown_terminal"
    again = checkin(till)
    assert again["code"] == 8


def test_key_rotation_under_load_loses_no_record_and_refuses_the_old_key(till: Path, hub: tuple[HubProcess, Path]
                                                                        ) -> None:
    from sync.journal import KeyRotated
    from sync.verify import verify_journal

    process, _ = hub
    tid = terminal_id(till)
    old = FileKeyStore.open(till / KEYS, KEY_SECRET.encode())
    kept: list[int] = []
    refused: list[str] = []
    reopened = threading.Event()
    stop = threading.Event()

    def selling() -> None:  # a till app selling through the rotation; told to reopen, it does (as on restart)
        keys = old
        n = 0
        while not stop.is_set():
            with Journal.open(till / JOURNAL, keys) as journal:
                while not stop.is_set():
                    try:
                        kept.append(journal.append("sale.completed", sale(n)).seq)
                    except KeyRotated:
                        keys = FileKeyStore.open(till / KEYS, KEY_SECRET.encode())
                        reopened.set()
                        break
                    except JournalError as exc:  # refused while the rotation runs, before "approved"
                        refused.append(str(exc))
                        stop.wait(0.01)
                    n += 1

    seller = threading.Thread(target=selling)
    seller.start()
    try:
        while len(kept) < 50:
            stop.wait(0.01)
        process.admin("POST", f"/v1/admin/fleet/{tid}/actions", json={"action": "rotate_key"})
        outcome = checkin(till)
        assert reopened.wait(10)
        before = len(kept)
        while len(kept) < before + 20:  # selling again, with the new key
            stop.wait(0.01)
    finally:
        stop.set()
        seller.join()
    assert outcome["code"] == 0 and [(a["action"], a["ok"]) for a in outcome["actions"]] == [("rotate_key", True)]
    synced = cli("sync", "--data-dir", str(till), "--json")
    assert synced.code == 0, synced.out
    assert json.loads(synced.out)["pending"] == 0
    status = process.admin("GET", f"/v1/admin/terminals/{tid}")
    assert status["last_seq"] == max(kept) and status["records"].get("declined", 0) == 0  # none lost, none rejected
    new = FileKeyStore.open(till / KEYS, KEY_SECRET.encode())
    assert new.public_key() != old.public_key()
    with HubClient(old, process.url) as stale, pytest.raises(HubRefused):
        stale.config()  # the old key is refused
    with HubClient(new, process.url) as current:
        assert current.config() is not None
    report = verify_journal(till / JOURNAL)  # the whole chain: old key up to the rotation, the new one after
    assert report.ok and report.records == max(kept), report
