"""One SQLite unit of work (issue 10, defect 7): a COMMIT that fails is rolled back, so the next write works.

Before, the journal, the sync state and the sales index ran COMMIT outside their try block: a failed COMMIT left the
connection inside the transaction and every later write failed with "cannot start a transaction within a
transaction" until the process restarted - a till that could no longer journal a sale."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from sync.journal import Journal, JournalError
from sync.sqlite_tx import transaction
from sync.verify import verify_journal


class CommitFailsOnce:
    """The real connection, except that the first COMMIT raises as a full disk or a busy database would, leaving
    the transaction open (what SQLite does for SQLITE_BUSY). sqlite3.Connection cannot be patched, so it is
    wrapped; every other call goes to the real connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn, self.failed = conn, False

    def execute(self, sql: str, *args):
        if sql.strip().upper() == "COMMIT" and not self.failed:
            self.failed = True
            raise sqlite3.OperationalError("database is locked")
        return self._conn.execute(sql, *args)

    def __getattr__(self, name: str):
        return getattr(self._conn, name)


def test_a_deferred_constraint_failing_at_commit_is_rolled_back(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
    conn.execute("CREATE TABLE child (id INTEGER PRIMARY KEY, parent INTEGER "
                 "REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)")
    with pytest.raises(sqlite3.IntegrityError), transaction(conn):
        conn.execute("INSERT INTO child VALUES (1, 99)")  # checked only at COMMIT
    assert not conn.in_transaction
    with transaction(conn):
        conn.execute("INSERT INTO parent VALUES (1)")
    assert conn.execute("SELECT count(*) FROM child").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM parent").fetchone()[0] == 1


def test_the_journal_appends_again_after_a_failed_commit(tmp_path: Path, keystore) -> None:
    with Journal.create(tmp_path / "j.db", keystore) as journal:
        journal.append("sale.started", {"sale_id": "s1"})
        journal._conn = CommitFailsOnce(journal._conn)
        with pytest.raises(JournalError):
            journal.append("sale.completed", {"sale_id": "s1"})
        record = journal.append("sale.completed", {"sale_id": "s1"})  # the cashier tries again
        assert record.seq == 2  # the failed one left no gap and no half record
        assert [r.seq for r in journal.records()] == [1, 2]
    assert verify_journal(tmp_path / "j.db").ok
