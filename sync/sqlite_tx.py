"""SQLite the one way: a unit of work that begins, commits, and rolls back on any failure - also when COMMIT itself
fails - and private database files (created 0600 before SQLite opens them).

A COMMIT that fails (a deferred constraint, SQLITE_BUSY, a full disk) can leave the connection inside the
transaction; the next BEGIN then fails with "cannot start a transaction within a transaction" and the component is
stuck until restarted. Every hand-written BEGIN/COMMIT block of the terminal goes through `transaction`.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Literal


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection, mode: Literal["DEFERRED", "IMMEDIATE"] = "IMMEDIATE"
                ) -> Iterator[sqlite3.Connection]:
    """BEGIN `mode` ... COMMIT on `conn` (opened with isolation_level=None). IMMEDIATE takes the write lock at once,
    so two writers never interleave (the journal's sequence numbers, the index's head)."""
    conn.execute(f"BEGIN {mode}")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):  # the first error is the one worth raising
                conn.execute("ROLLBACK")
        raise


def create_private(path: str | os.PathLike[str]) -> None:
    """Create the database file 0600 (owner only, like the journal and the keys) if it does not exist yet: SQLite
    gives its -wal and -shm files the mode of the database file."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(Path(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
