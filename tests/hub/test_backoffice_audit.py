"""Signed audit archives and retention, on SQLite and PostgreSQL: `edgepos hub audit export` writes, `edgepos audit
verify` checks offline (exit 3 on any change); retention never removes data younger than 5 years and carries the
balances of what it removes forward."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from hubkit import Clock
from officekit import open_shop

from hub.backoffice.audit import AuditError, archive_before, verify_archive
from hub.store import Store

ROOT = Path(__file__).parents[2]


def edgepos(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "terminal.cli", *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def where(backend: dict[str, str]) -> list[str]:
    return ["--dsn", backend["dsn"]] if "dsn" in backend else ["--db", backend["db"]]


def rewrite(source: Path, target: Path, change) -> None:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            data = change(name, old.read(name))
            if data is not None:
                new.writestr(name, data)


def test_export_then_verify_offline_and_any_change_is_exit_3(store: Store, backend: dict[str, str],
                                                            tmp_path: Path) -> None:
    shop = open_shop(store, tmp_path)
    day = store.clock().date().isoformat()
    out = tmp_path / "audit.zip"
    exported = edgepos("hub", "audit", "export", *where(backend), "--from", day, "--to", day, str(out))
    assert exported.returncode == 0, exported.stderr
    files = json.loads(exported.stdout)["files"]
    assert files["records.jsonl"] >= 5 and files["postings.jsonl"] > 0 and files["operator_actions.jsonl"] >= 4
    good = edgepos("audit", "verify", str(out), "--json")
    assert good.returncode == 0 and json.loads(good.stdout)["ok"]
    assert json.loads(good.stdout)["records_checked"] == files["records.jsonl"]
    records = zipfile.ZipFile(out).read("records.jsonl").decode()
    assert shop.terminal.id in records and "4242" in records and '"declined"' in records
    changes = {
        "a changed record": lambda n, d: d.replace(b"4242", b"4243") if n == "records.jsonl" else d,
        "a dropped file": lambda n, d: None if n == "decisions.jsonl" else d,
        "an added file": lambda n, d: d,
        "a changed manifest": lambda n, d: d.replace(b'"rows": ', b'"rows": 1') if n == "manifest.json" else d,
    }
    for what, change in changes.items():
        bad = tmp_path / f"{what.replace(' ', '-')}.zip"
        rewrite(out, bad, change)
        if what == "an added file":
            with zipfile.ZipFile(bad, "a") as archive:
                archive.writestr("extra.jsonl", b"{}\n")
        result = verify_archive(bad)
        assert not result["ok"] and result["tampered"], what
    flipped = bytearray(out.read_bytes())
    flipped[len(flipped) // 2] ^= 0xFF
    (tmp_path / "flipped.zip").write_bytes(bytes(flipped))
    assert verify_archive(tmp_path / "flipped.zip")["tampered"]
    assert not verify_archive(out, "04" + "11" * 64)["ok"]  # signed by another key than the pinned one
    changed = edgepos("audit", "verify", str(tmp_path / "a-changed-record.zip"))
    assert changed.returncode == 3 and "records.jsonl" in changed.stdout
    assert edgepos("audit", "verify", str(tmp_path / "missing.zip")).returncode == 1


def test_records_the_hub_forged_fail_even_in_a_properly_signed_archive(store: Store, tmp_path: Path) -> None:
    """Whoever holds the hub's audit key can sign any manifest, but not the tills' records."""
    from hub.backoffice.audit import FORMAT, export_bytes
    from hub.backoffice.users import hub_key
    from sync.crypto import sm3

    open_shop(store, tmp_path)
    day = store.clock().date().isoformat()
    original = zipfile.ZipFile(io.BytesIO(export_bytes(store, day, day, "test")))
    files = {name: original.read(name) for name in original.namelist() if not name.startswith("manifest")}
    files["records.jsonl"] = files["records.jsonl"].replace(b'\\"amount\\":1130', b'\\"amount\\":1',
                                                            1)
    assert files["records.jsonl"] != original.read("records.jsonl")
    key = hub_key(store, "audit")
    manifest = json.dumps({"format": FORMAT, "from": day, "to": day, "public_key": key.public_key().hex(),
                           "files": {n: {"sm3": sm3(c).hex(), "bytes": len(c), "rows": 0} for n, c in files.items()}
                           }).encode()
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(forged, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
        archive.writestr("manifest.json", manifest)
        archive.writestr("manifest.sig", key.sign(manifest).hex())
    checked = verify_archive(forged)
    assert not checked["ok"] and "altered" in checked["problem"], checked


def test_retention_keeps_five_years_then_archives_with_balances_carried(store: Store, clock: Clock,
                                                                        tmp_path: Path) -> None:
    open_shop(store, tmp_path)
    today = store.clock().date()
    with pytest.raises(AuditError, match="5 years"):
        archive_before(store, (today + timedelta(days=1)).isoformat(), tmp_path / "archives")
    balances, trial = store.balances(), store.trial_balance()
    clock.offset = timedelta(days=365 * 5 + 30)  # five years and a month later
    summary = archive_before(store, (today + timedelta(days=1)).isoformat(), tmp_path / "archives")
    assert summary["archived"] and summary["removed"]["records"] >= 5 and summary["removed"]["transfers"] > 0
    assert verify_archive(Path(summary["archive"]))["ok"]
    assert store.balances() == balances and store.trial_balance().balanced and trial.balanced
    left = store.view(lambda tx: tx.one("SELECT count(*) FROM records WHERE time < ?", (
        (today + timedelta(days=1)).isoformat(),)))
    assert left[0] == 0
    registered = store.view(lambda tx: tx.all("SELECT name, sm3 FROM bo_archives"))
    assert [name for name, _ in registered] == [Path(summary["archive"]).name]
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(Path(summary["archive"]).read_bytes())).read("manifest.json"))
    assert manifest["files"]["records.jsonl"]["rows"] >= 5


def test_an_archive_never_carries_a_pan(store: Store, tmp_path: Path) -> None:
    from hub.backoffice.audit import export_bytes
    from hub.backoffice.users import log_action

    day = store.clock().date().isoformat()
    store.read(lambda tx: log_action(tx, store.clock(), "someone", None, "note", {"text": "4111111111111111"}))
    with pytest.raises(AuditError, match="card number"):
        export_bytes(store, day, day, "test")
    store.read(lambda tx: tx.run("DELETE FROM bo_actions WHERE actor = 'someone'"))
