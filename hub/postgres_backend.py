"""PostgreSQL backend (psycopg 3): a psycopg_pool connection pool, advisory locks per terminal, COPY for bulk inserts.

Per-terminal advisory transaction locks let many terminals upload in parallel while the batches of one terminal
are booked strictly one after the other (they extend the same chain).
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool, PoolClosed, PoolTimeout

from hub.backend import Row
from hub.errors import Conflict, HubError, StoreUnavailable
from hub.identities import SharedIdentityCache
from hub.lanes import in_interactive_request

RECENT_S = 1.0  # readiness trusts a commit this recent
def reserved_connections(pool_size: int) -> int:
    """Connections only interactive requests may use: a quarter of the pool, at least 1 (when it has 2 or more)."""
    return min(max(1, pool_size // 4), pool_size - 1)


DOWN_S, DOWN_WAIT_S = 5.0, 0.3  # within DOWN_S of a failed connection attempt, wait at most DOWN_WAIT_S for one
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
    """One process's connections, from a psycopg_pool ConnectionPool (opened in the process that uses it: each hub
    worker has its own pool; every lock lives in PostgreSQL, so workers share nothing else)."""

    dialect = "postgresql"

    def __init__(self, dsn: str, pool_size: int = 8, connect_timeout_s: int = 5, wait_s: float = 3.0) -> None:
        conninfo_to_dict(dsn)  # a malformed DSN fails here, clearly, not at the first request
        self._dsn = dsn
        self._wait_s = wait_s  # for a free connection; then 503 (the till's budget is 2 s, waiting longer helps no one)
        self._last_ok = self._down_at = float("-inf")
        self._bulk = threading.BoundedSemaphore(pool_size - reserved_connections(pool_size))  # hub.lanes
        self._pool = ConnectionPool(dsn, min_size=1, max_size=pool_size, open=False, timeout=wait_s,
                                    reconnect_timeout=0, reconnect_failed=self._connect_failed, name="edgepos-hub",
                                    kwargs={"autocommit": True, "connect_timeout": connect_timeout_s})
        self._pool.open(wait=False)  # connects in the background; a database that is down now is waited for later

    def _connect_failed(self, pool: ConnectionPool) -> None:
        """The pool could not make a connection (it tries again when asked): requests stop waiting long for one."""
        self._down_at = time.monotonic()

    def identity_cache(self) -> SharedIdentityCache:
        return SharedIdentityCache(self._dsn)  # other hub processes announce retirements on a channel

    def describe(self) -> str:
        info = conninfo_to_dict(self._dsn)
        return "postgresql " + " ".join(f"{k}={v}" for k, v in info.items() if k not in ("password", "options"))

    @contextmanager
    def transaction(self, readonly: bool = False, wait_s: float | None = None) -> Iterator[PostgresTx]:
        """`wait_s`: how long to wait for a connection (default: the backend's); then StoreUnavailable."""
        wait = self._wait_s if wait_s is None else wait_s
        if self._down_at > self._last_ok and time.monotonic() - self._down_at < DOWN_S:
            wait = min(wait, DOWN_WAIT_S)  # the database was just unreachable: fail fast, not after the full wait
        with self._share(wait) as left:
            try:
                conn = self._pool.getconn(timeout=left)
            except PoolTimeout:
                raise StoreUnavailable("no hub database connection is free or can be made; retry shortly") from None
            except PoolClosed:
                raise StoreUnavailable("the hub is stopping; retry shortly") from None
            try:
                with conn.transaction():
                    yield PostgresTx(conn)
                self._last_ok = time.monotonic()
            except (psycopg.OperationalError, psycopg.errors.SerializationFailure,
                    psycopg.errors.DeadlockDetected) as exc:
                conn.close()  # the pool drops a closed connection and makes a new one when needed
                raise StoreUnavailable(f"the hub database failed ({_first_line(exc)}); retry shortly") from None
            except psycopg.errors.UniqueViolation:
                raise Conflict("the request collides with data another request wrote at the same time; retry",
                               code="conflict") from None
            except (psycopg.DataError, psycopg.errors.ProgramLimitExceeded):  # NUL, out of range, too long
                raise HubError("a value cannot be stored (NUL character or out of range)",
                               code="invalid_request") from None
            finally:
                self._pool.putconn(conn)

    @contextmanager
    def _share(self, wait: float) -> Iterator[float]:
        """Bulk work (not an interactive request, hub.lanes) holds at most the pool's size less the reserved
        connections, so an authorisation never waits for one behind uploads. Yields the wait left for the pool."""
        if in_interactive_request.get():
            yield wait
            return
        deadline = time.monotonic() + wait
        if not self._bulk.acquire(timeout=wait):
            raise StoreUnavailable("no hub database connection is free or can be made; retry shortly")
        try:
            yield max(0.01, deadline - time.monotonic())
        finally:
            self._bulk.release()

    def ping(self, wait_s: float) -> bool:
        """A transaction that committed within the last `RECENT_S` is proof enough (under load the pool may have
        no connection free for a probe, and readiness must not flap); else one `SELECT 1`."""
        if time.monotonic() - self._last_ok < RECENT_S:
            return True
        with self.transaction(readonly=True, wait_s=wait_s) as tx:
            return tx.one("SELECT 1") is not None

    def close(self) -> None:
        self._pool.close(timeout=5)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
