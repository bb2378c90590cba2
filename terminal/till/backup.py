"""`edgepos backup` and `edgepos restore`: a till's data directory as one tar file, taken while the till runs.

Each SQLite database (journal, sync state, operators, risk state) is copied with SQLite's online backup API, so the
copy is consistent even while the app writes; the config, product list and key store are copied byte for byte (the
key store stays sealed: the backup is no more readable than the disk). A manifest names the terminal, the journal's
head and each file's SHA-256. Restore checks the manifest, opens the key store with EDGEPOS_KEY_SECRET, verifies the
whole journal chain against that key, then puts the files in place (0700 directory, 0600 files) and marks the till
"restored": it will not sell until the hub has confirmed it holds nothing newer (terminal/till/hubcheck.py).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sync.journal import JournalError
from sync.keystore import FileKeyStore, KeyStoreError
from sync.layout import CONFIG, DATABASES, JOURNAL, KEYS, PLAIN_FILES
from sync.verify import verify_journal
from terminal.till.hubcheck import mark_restored
from terminal.till.setup import private_files

MANIFEST = "manifest.json"
FORMAT = "edgepos-till-backup"


class BackupError(Exception):
    """The backup cannot be made or restored; the message says why and what to do."""


@dataclass(frozen=True)
class BackupSummary:
    path: str
    terminal_id: str
    journal_seq: int
    files: int

    def to_dict(self) -> dict[str, object]:
        return {"path": self.path, "terminal_id": self.terminal_id, "journal_seq": self.journal_seq,
                "files": self.files}


def backup(data_dir: Path, out: Path) -> BackupSummary:
    if not (data_dir / CONFIG).exists() or not (data_dir / KEYS).exists():
        raise BackupError(f"{data_dir} holds no till (no {CONFIG} or {KEYS}).")
    if out.exists():
        raise BackupError(f"{out} already exists; choose a new file name.")
    with tempfile.TemporaryDirectory(prefix=".edgepos-backup-", dir=out.parent) as staging, private_files():
        stage = Path(staging)
        names = []
        for name in DATABASES:
            if (data_dir / name).exists():
                _sqlite_copy(data_dir / name, stage / name)
                names.append(name)
        for name in PLAIN_FILES:
            if (data_dir / name).exists():
                shutil.copyfile(data_dir / name, stage / name)
                names.append(name)
        terminal_id, seq, head = _journal_head(stage / JOURNAL)
        manifest = {"format": FORMAT, "version": 1, "terminal_id": terminal_id, "journal_seq": seq,
                    "journal_head": head, "taken_at": datetime.now(UTC).isoformat(),
                    "files": {name: _sha256(stage / name) for name in names}}
        partial = out.with_name(f".{out.name}.partial")
        with tarfile.open(partial, "w") as tar:
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode = len(data), 0o600
            tar.addfile(info, io.BytesIO(data))
            for name in names:
                tar.add(stage / name, arcname=name)
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, out)
    return BackupSummary(str(out), terminal_id, seq, len(names))


def restore(archive: Path, data_dir: Path, secret: bytes) -> BackupSummary:
    """Restore into `data_dir` (missing or empty). Nothing is put in place unless every check passes."""
    if data_dir.exists() and any(data_dir.iterdir()):
        raise BackupError(f"{data_dir} is not empty; move the old till aside first (mv {data_dir} "
                          f"{data_dir}.old) so nothing is overwritten.")
    parent = data_dir.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".edgepos-restore-", dir=parent) as staging, private_files():
        stage = Path(staging) / "till"
        stage.mkdir(mode=0o700)
        try:
            with tarfile.open(archive, "r") as tar:
                tar.extractall(stage, filter="data")
        except (OSError, tarfile.TarError) as exc:
            raise BackupError(f"{archive} is not a till backup that can be unpacked ({exc}).") from None
        manifest = _manifest(stage, archive)
        for name, digest in manifest["files"].items():
            if _sha256(stage / name) != digest:
                raise BackupError(f"{archive}: {name} does not match its checksum; this backup is damaged.")
        try:
            keystore = FileKeyStore.open(stage / KEYS, secret)
        except KeyStoreError as exc:
            raise BackupError(f"the backup's key store cannot be opened: {exc}") from None
        try:
            report = verify_journal(stage / JOURNAL, keystore.public_key())
        except JournalError as exc:
            raise BackupError(f"the backup's journal cannot be read: {exc}") from None
        if not report.ok or report.records != manifest["journal_seq"]:
            raise BackupError(f"the backup's journal does not verify ({report.problem or 'record count differs'});"
                              " use another backup.")
        (stage / MANIFEST).unlink()
        for child in stage.iterdir():
            child.chmod(0o600)
        mark_restored(stage, str(archive), report.records)
        if data_dir.exists():
            data_dir.rmdir()
        os.replace(stage, data_dir)
        os.chmod(data_dir, 0o700)
    return BackupSummary(str(data_dir), keystore.terminal_id, report.records, len(manifest["files"]))


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy while other connections keep writing."""
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file in the archive
    finally:
        dst.close()
        src.close()


def _journal_head(path: Path) -> tuple[str, int, str]:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        terminal_id = conn.execute("SELECT value FROM meta WHERE key = 'terminal_id'").fetchone()[0]
        seq, digest = conn.execute("SELECT seq, hash FROM head WHERE id = 1").fetchone()
    finally:
        conn.close()
    return str(terminal_id), int(seq), bytes(digest).hex()


def _manifest(stage: Path, archive: Path) -> dict[str, object]:
    try:
        manifest = json.loads((stage / MANIFEST).read_text())
        if manifest.get("format") != FORMAT or not isinstance(manifest.get("files"), dict):
            raise ValueError("unknown format")
    except (OSError, ValueError) as exc:
        raise BackupError(f"{archive} is not a till backup ({exc}).") from None
    allowed = set(DATABASES) | set(PLAIN_FILES)
    if not set(manifest["files"]) <= allowed or JOURNAL not in manifest["files"] or KEYS not in manifest["files"]:
        raise BackupError(f"{archive}: unexpected or missing files in the backup.")
    return manifest


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
