"""SQLite backend: one file, WAL, synchronous=FULL; one connection per thread, writers serialised by BEGIN IMMEDIATE.

The zero-set-up default. BEGIN IMMEDIATE takes the database write lock at the start of every transaction, which is
all the per-terminal locking SQLite needs (it has one writer at a time anyway).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hub.backend import Row
from hub.errors import Conflict, HubError, StoreUnavailable
from hub.identities import IdentityCache

_TRANSIENT = ("locked", "busy", "disk i/o", "unable to open", "readonly", "disk is full")


class SqliteTx:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self._conn.execute(sql, params).fetchall()

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        return self._conn.execute(sql, params).fetchone()

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self._conn.execute(sql, params).rowcount

    def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._conn.executemany(sql, rows)

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            marks = ", ".join("?" * len(columns))
            self._conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    def lock_terminal(self, terminal_id: str) -> None:
        """Nothing to do: BEGIN IMMEDIATE already holds the only write lock."""

    def lock_name(self, name: str) -> None:
        """Nothing to do: BEGIN IMMEDIATE already holds the only write lock."""


class SqliteBackend:
    dialect = "sqlite"

    def __init__(self, path: str | Path, busy_timeout_s: float = 3.0) -> None:
        self.path = Path(path)
        self._timeout = busy_timeout_s
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._guard = threading.Lock()
        self._writer = threading.Lock()  # one writer at a time, as SQLite allows: queue here, not in its busy loop
        self._conn().execute("PRAGMA journal_mode = WAL")

    def describe(self) -> str:
        return f"sqlite {self.path}"

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=self._timeout)
                conn.execute("PRAGMA synchronous = FULL")
                conn.execute("PRAGMA foreign_keys = ON")
            except sqlite3.OperationalError as exc:
                raise StoreUnavailable(f"the hub database {self.path} cannot be opened ({exc})") from None
            self._local.conn = conn
            with self._guard:
                self._all.append(conn)
        return conn

    @contextmanager
    def transaction(self, readonly: bool = False) -> Iterator[SqliteTx]:
        """Writers begin IMMEDIATE (the write lock up front: no upgrade deadlocks) and queue for it on an
        in-process lock first: SQLite's own busy handler polls with sleeps, so under load some writers starve for
        seconds while others get in. Readers begin DEFERRED and read a WAL snapshot without waiting for anyone."""
        if readonly:
            with self._transaction("BEGIN") as tx:
                yield tx
            return
        if not self._writer.acquire(timeout=self._timeout):
            raise StoreUnavailable("the hub database is busy (writers queued too long); retry shortly")
        try:
            with self._transaction("BEGIN IMMEDIATE") as tx:
                yield tx
        finally:
            self._writer.release()

    @contextmanager
    def _transaction(self, begin: str) -> Iterator[SqliteTx]:
        conn = self._conn()
        try:
            conn.execute(begin)
        except sqlite3.OperationalError as exc:
            raise StoreUnavailable(f"the hub database is busy ({exc}); retry shortly") from None
        try:
            yield SqliteTx(conn)
        except BaseException as exc:
            conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.OperationalError) and any(t in str(exc).lower() for t in _TRANSIENT):
                raise StoreUnavailable(f"the hub database failed ({exc}); retry shortly") from None
            if isinstance(exc, sqlite3.IntegrityError):
                raise Conflict("the request collides with data another request wrote at the same time; retry",
                               code="conflict") from None
            if isinstance(exc, sqlite3.OperationalError) and "overflow" in str(exc).lower():
                raise HubError("a total exceeds 64 bits (amounts are capped at protocol.MAX_AMOUNT, so only a "
                               "hand-edited database gets here)", code="overflow") from None
            if isinstance(exc, OverflowError | sqlite3.DataError):
                raise HubError("a value cannot be stored (out of range)", code="invalid_request") from None
            raise
        try:
            conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            conn.execute("ROLLBACK")
            raise StoreUnavailable(f"the hub database could not commit ({exc}); retry shortly") from None

    def identity_cache(self) -> IdentityCache:
        return IdentityCache()  # one process: forgetting is enough

    def ping(self, wait_s: float) -> bool:
        with self.transaction(readonly=True) as tx:
            return tx.one("SELECT 1") is not None

    def close(self) -> None:
        with self._guard:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()
