"""What the terminal holds from the hub (config, card blacklist, FX rates, risk model version) and the uplink's own
bookkeeping (sync status, offline declines already raised), in a small SQLite file next to the journal.

Each pull is applied in one transaction: a crash or a torn pull leaves the previous version whole, never half a
blacklist. The file holds no sales: losing it costs one full re-pull, nothing else (the journal's acks say what the
hub has). WAL + synchronous=FULL like the journal, so the terminal never acts on a version it then forgets.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils.migrations import Migrations

from sync.protocol import BlacklistDelta, ConfigResponse, ModelResponse, RatesResponse
from sync.sqlite_tx import create_private, transaction

APPLICATION_ID = 0x45505331  # "EPS1"


class StateError(Exception):
    """The state file cannot be read or written, or a pull does not fit what is held."""


def state_path_for(journal_path: str | os.PathLike[str]) -> Path:
    """The state file that belongs to a journal: `<journal>.state.db`."""
    path = Path(journal_path)
    return path.with_name(path.name + ".state.db")


@dataclass(frozen=True, slots=True)
class Rates:
    version: int
    base: str
    as_of: datetime
    rates: dict[str, Decimal]


@dataclass(frozen=True, slots=True)
class ModelVersion:
    version: str
    sha256: str | None
    url: str | None


@dataclass(frozen=True, slots=True)
class Decline:
    """A record the hub declined after an offline approval, and the exception record raised for it (if yet)."""

    seq: int
    code: str
    message: str
    exception_seq: int | None


class SyncState:
    """The downstream data and sync status of one terminal. Safe to share between threads."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn = conn
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> SyncState:
        """Open the state file, creating it (0600) when missing."""
        path = Path(path)
        try:
            create_private(path)
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10)
        except (OSError, sqlite3.DatabaseError) as exc:
            raise StateError(f"{path}: cannot open the sync state file ({exc})") from None
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            if app_id not in (0, APPLICATION_ID):
                raise StateError(f"{path}: not an edgepos sync state file; the file was left untouched")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            if app_id == 0:
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            migrations.apply(sqlite_utils.Database(conn))
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StateError(f"{path}: sync state file cannot be read ({exc}); delete it to re-pull") from None
        except StateError:
            conn.close()
            raise
        return cls(path, conn)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> SyncState:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- applying pulls (one transaction each) ------------------------------------------------------------------

    def apply_config(self, config: ConfigResponse) -> bool:
        """Replace the config with the hub's; returns whether the version changed."""
        with self._write() as conn:
            old = _get(conn, "config_version")
            conn.execute("DELETE FROM config")
            conn.executemany("INSERT INTO config (key, value) VALUES (?, ?)",
                             [(k, json.dumps(v)) for k, v in config.values.items()])
            _put(conn, "config_version", config.version)
        return old != config.version

    def apply_blacklist(self, delta: BlacklistDelta) -> bool:
        """Apply a delta on top of the held version (or replace all when `full`); returns whether it changed."""
        with self._write() as conn:
            held = _get(conn, "blacklist_version") or 0
            if not delta.full and delta.since != held:
                raise StateError(f"blacklist delta starts at version {delta.since}, the terminal holds {held}")
            if delta.full:
                conn.execute("DELETE FROM blacklist")
            else:
                conn.executemany("DELETE FROM blacklist WHERE token = ?", [(t,) for t in delta.removed])
            conn.executemany("INSERT OR IGNORE INTO blacklist (token) VALUES (?)", [(t,) for t in delta.added])
            _put(conn, "blacklist_version", delta.version)
        return held != delta.version

    def apply_rates(self, rates: RatesResponse) -> bool:
        with self._write() as conn:
            old = _get(conn, "rates")
            _put(conn, "rates", {"version": rates.version, "base": rates.base, "as_of": rates.as_of.isoformat(),
                                 "rates": dict(rates.rates)})
        return old is None or old["version"] != rates.version

    def apply_model(self, model: ModelResponse) -> bool:
        with self._write() as conn:
            old = _get(conn, "model")
            _put(conn, "model", {"version": model.version, "sha256": model.sha256, "url": model.url})
        return old is None or old["version"] != model.version or old["sha256"] != model.sha256

    # --- reading downstream data ----------------------------------------------------------------------------------

    def is_blacklisted(self, token: str) -> bool:
        with self._read() as conn:
            return conn.execute("SELECT 1 FROM blacklist WHERE token = ?", (token,)).fetchone() is not None

    def blacklist(self) -> tuple[int, frozenset[str]]:
        """(version, tokens); version 0: nothing pulled yet."""
        with self._read() as conn:
            tokens = frozenset(row[0] for row in conn.execute("SELECT token FROM blacklist"))
            return _get(conn, "blacklist_version") or 0, tokens

    def blacklist_version(self) -> int:
        return self.get("blacklist_version") or 0

    def config(self) -> tuple[int, dict[str, Any]]:
        """(version, values); version 0: nothing pulled yet."""
        with self._read() as conn:
            values = {k: json.loads(v) for k, v in conn.execute("SELECT key, value FROM config")}
            return _get(conn, "config_version") or 0, values

    def rates(self) -> Rates | None:
        held = self.get("rates")
        if held is None:
            return None
        return Rates(held["version"], held["base"], datetime.fromisoformat(held["as_of"]),
                     {code: Decimal(text) for code, text in held["rates"].items()})

    def rate(self, currency: str) -> Decimal | None:
        """Units of `currency` per one unit of the base currency, exactly as the hub published it."""
        held = self.rates()
        return None if held is None else held.rates.get(currency)

    def model(self) -> ModelVersion | None:
        held = self.get("model")
        return None if held is None else ModelVersion(held["version"], held["sha256"], held["url"])

    # --- sync status and bookkeeping ------------------------------------------------------------------------------

    def get(self, key: str) -> Any:
        with self._read() as conn:
            return _get(conn, key)

    def update(self, **values: Any) -> None:
        """Set several status fields at once (JSON values; None clears)."""
        with self._write() as conn:
            for key, value in values.items():
                _put(conn, key, value)

    def status_fields(self) -> dict[str, Any]:
        with self._read() as conn:
            return {k: json.loads(v) for k, v in conn.execute("SELECT key, value FROM kv")}

    def note_decline(self, seq: int, code: str, message: str) -> tuple[Decline, bool]:
        """Remember that the hub declined record `seq` (before raising its exception record); returns the decline
        and whether it was already noted (then an exception record may exist from before a crash)."""
        with self._write() as conn:
            before = conn.total_changes
            conn.execute("INSERT OR IGNORE INTO declines (seq, code, message) VALUES (?, ?, ?)", (seq, code, message))
            fresh = conn.total_changes > before
            row = conn.execute("SELECT seq, code, message, exception_seq FROM declines WHERE seq = ?",
                               (seq,)).fetchone()
        return Decline(*row), not fresh

    def decline_raised(self, seq: int, exception_seq: int) -> None:
        with self._write() as conn:
            conn.execute("UPDATE declines SET exception_seq = ? WHERE seq = ?", (exception_seq, seq))

    def declines(self) -> list[Decline]:
        with self._read() as conn:
            rows = conn.execute("SELECT seq, code, message, exception_seq FROM declines ORDER BY seq").fetchall()
        return [Decline(*row) for row in rows]

    # --- plumbing -------------------------------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                with transaction(self._conn) as conn:
                    yield conn
            except sqlite3.DatabaseError as exc:
                raise StateError(f"{self.path}: sync state write failed ({exc}); nothing was changed") from None

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._conn
            except sqlite3.DatabaseError as exc:
                raise StateError(f"{self.path}: sync state cannot be read ({exc})") from None


def _get(conn: sqlite3.Connection, key: str) -> Any:
    row = conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
    return None if row is None else json.loads(row[0])


def _put(conn: sqlite3.Connection, key: str, value: Any) -> None:
    if value is None:
        conn.execute("DELETE FROM kv WHERE key = ?", (key,))
    else:
        conn.execute("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", (key, json.dumps(value)))


migrations = Migrations("edgepos.sync_state")


@migrations()
def m001_state(db: sqlite_utils.Database) -> None:
    db.execute("CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)")  # JSON values
    db.execute("CREATE TABLE config (key TEXT PRIMARY KEY, value TEXT NOT NULL)")  # JSON values
    db.execute("CREATE TABLE blacklist (token TEXT PRIMARY KEY) WITHOUT ROWID")
    db.execute("CREATE TABLE declines (seq INTEGER PRIMARY KEY, code TEXT NOT NULL, message TEXT NOT NULL,"
               " exception_seq INTEGER)")
