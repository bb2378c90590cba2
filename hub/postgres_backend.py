"""PostgreSQL backend (psycopg 3): a small connection pool, advisory locks per terminal, COPY for bulk inserts.

Per-terminal advisory transaction locks let many terminals upload in parallel while the batches of one terminal
are booked strictly one after the other (they extend the same chain).
"""

from __future__ import annotations

import functools
import queue
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict

from hub.backend import Row
from hub.errors import Conflict, HubError, StoreUnavailable

LOCAL_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=test"  # what these machines run (trust auth)


def reachable(dsn: str = LOCAL_DSN) -> bool:
    """Whether a PostgreSQL server answers at `dsn` (benchmarks and tests skip or fail clearly when not)."""
    try:
        with psycopg.connect(dsn, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


@contextmanager
def scratch_schema(dsn: str = LOCAL_DSN, prefix: str = "hub_scratch") -> Iterator[str]:
    """A fresh, uniquely named schema for a benchmark or a test run; yields a DSN whose search_path is it and drops
    it afterwards. Raises psycopg.OperationalError when the server cannot be reached."""
    import uuid

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    try:
        yield f"{dsn} options='-c search_path={name}'"
    finally:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"DROP SCHEMA {name} CASCADE")


@functools.lru_cache(maxsize=512)
def _pg(sql: str) -> str:
    """`?` placeholders become psycopg's `%s` (our SQL has no other `?` or `%`)."""
    return sql.replace("?", "%s")


class PostgresTx:
    def __init__(self, conn: psycopg.Connection) -> None:
        self._conn = conn

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self._conn.execute(_pg(sql), params).fetchall()

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        return self._conn.execute(_pg(sql), params).fetchone()

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self._conn.execute(_pg(sql), params).rowcount

    def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self._conn.cursor() as cur:
            cur.executemany(_pg(sql), rows)  # psycopg pipelines executemany: one round trip per batch

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        with self._conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def lock_terminal(self, terminal_id: str) -> None:
        self.lock_name(f"terminal:{terminal_id}")

    def lock_name(self, name: str) -> None:
        self._conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (name,))


class PostgresBackend:
    dialect = "postgresql"

    def __init__(self, dsn: str, pool_size: int = 8, connect_timeout_s: int = 5, wait_s: float = 3.0) -> None:
        self._dsn = dsn
        self._wait_s = wait_s  # for a free connection; then 503 (the till's budget is 2 s, waiting longer helps no one)
        self._connect_timeout = connect_timeout_s
        self._idle: queue.LifoQueue[psycopg.Connection] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(pool_size)
        self._closed = False
        conninfo_to_dict(dsn)  # a malformed DSN fails here, clearly, not at the first request

    def describe(self) -> str:
        info = conninfo_to_dict(self._dsn)
        return "postgresql " + " ".join(f"{k}={v}" for k, v in info.items() if k not in ("password", "options"))

    def _connect(self) -> psycopg.Connection:
        try:
            return psycopg.connect(self._dsn, autocommit=True, connect_timeout=self._connect_timeout)
        except psycopg.OperationalError as exc:
            raise StoreUnavailable(f"the hub database cannot be reached ({_first_line(exc)})") from None

    @contextmanager
    def transaction(self, readonly: bool = False) -> Iterator[PostgresTx]:
        if not self._slots.acquire(timeout=self._wait_s):
            raise StoreUnavailable("all hub database connections are busy; retry shortly")
        conn: psycopg.Connection | None = None
        try:
            try:
                conn = self._idle.get_nowait()
            except queue.Empty:
                conn = self._connect()
            try:
                with conn.transaction():
                    yield PostgresTx(conn)
            except (psycopg.OperationalError, psycopg.errors.SerializationFailure,
                    psycopg.errors.DeadlockDetected) as exc:
                broken, conn = conn, None
                broken.close()
                raise StoreUnavailable(f"the hub database failed ({_first_line(exc)}); retry shortly") from None
            except psycopg.errors.UniqueViolation:
                raise Conflict("the request collides with data another request wrote at the same time; retry",
                               code="conflict") from None
            except (psycopg.DataError, psycopg.errors.ProgramLimitExceeded):  # NUL, out of range, too long
                raise HubError("a value cannot be stored (NUL character or out of range)",
                               code="invalid_request") from None
        finally:
            if conn is not None:
                if conn.closed or self._closed:
                    conn.close()
                else:
                    self._idle.put(conn)
            self._slots.release()

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
