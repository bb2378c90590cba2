"""The journal on a real SQLite file: durable appends, gap-free chain, sealed secrets, outbox, bad input."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest

from sync.chain import genesis_hash
from sync.journal import (
    Journal,
    JournalError,
    JournalNotFound,
    NotAJournal,
    WrongTerminal,
)
from sync.keystore import FileKeyStore
from sync.verify import verify_journal

SALE = {"sale_id": "a1b2", "currency": "CNY", "total": 1290, "lines": [{"sku": "6901028075831", "qty": 2}]}
CARD = {"card_token": "tk_5f0c9e", "last4": "1111", "auth_code": "A1B2C3"}


def test_append_is_durable_and_chained(tmp_path, keystore):
    path = tmp_path / "j.db"
    with Journal.create(path, keystore) as journal:
        first = journal.append("sale.completed", SALE, CARD)
        second = journal.append("drawer.opened", {"reason": "sale", "sale_id": "a1b2"})
    assert (first.seq, second.seq) == (1, 2)
    assert first.prev_hash == genesis_hash("T-0001", keystore.public_key())
    assert second.prev_hash == first.hash
    # a new connection, as after a restart, sees exactly what append returned
    with Journal.open(path, keystore) as reopened:
        stored = list(reopened.records())
        assert [r.hash for r in stored] == [first.hash, second.hash]
        assert stored[0].payload == SALE
        assert reopened.reveal(stored[0]) == CARD
        assert reopened.reveal(stored[1]) is None
        assert reopened.head() == (2, second.hash)
        assert reopened.get(1) == stored[0] and reopened.get(3) is None
        # what "durable" rests on: every commit fsynced through the write-ahead log
        assert reopened.durability() == {"journal_mode": "wal", "synchronous": "full"}
    assert path.stat().st_mode & 0o777 == 0o600


def test_sensitive_fields_never_reach_the_disk_in_clear(tmp_path, keystore):
    path = tmp_path / "j.db"
    with Journal.create(path, keystore) as journal:
        for _ in range(20):
            journal.append("sale.completed", SALE, CARD)
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("j.db*"))  # the database and any WAL left over
    assert b"tk_5f0c9e" not in raw and b"A1B2C3" not in raw
    assert b"6901028075831" in raw  # the public part is readable, as intended


def test_clear_card_numbers_and_floats_are_refused(journal):
    with pytest.raises(ValueError, match="clear card number"):
        journal.append("sale.completed", {**SALE, "note": "paid with 4111 1111 1111 1111"})
    with pytest.raises(ValueError, match="clear card number"):
        journal.append("sale.completed", SALE, {"pan": "6212345678901265"})
    with pytest.raises(TypeError, match="floats"):
        journal.append("sale.completed", {**SALE, "total": 12.9})
    with pytest.raises(ValueError, match="record type"):
        journal.append("Sale Completed!", SALE)
    assert journal.head()[0] == 0  # nothing half-written, no sequence number burnt
    assert journal.append("sale.completed", SALE).seq == 1


def test_clock_must_be_aware_utc(tmp_path, keystore):
    with Journal.create(tmp_path / "j.db", keystore, clock=lambda: datetime(2026, 1, 1)) as journal:
        with pytest.raises(ValueError, match="timezone-aware"):
            journal.append("sale.completed", SALE)
    china = timezone(timedelta(hours=8))
    clock = lambda: datetime(2026, 1, 1, 8, 0, tzinfo=china)  # noqa: E731
    with Journal.open(tmp_path / "j.db", keystore, clock=clock) as journal:
        record = journal.append("sale.completed", SALE)
    assert record.time == datetime(2026, 1, 1, 0, 0, tzinfo=UTC)


def test_outbox_lists_unacknowledged_records_in_order(journal):
    for i in range(5):
        journal.append("sale.completed", {**SALE, "sale_id": f"s{i}"})
    assert [r.seq for r in journal.outbox()] == [1, 2, 3, 4, 5]
    assert journal.acknowledge({1: "accepted", 2: "accepted", 99: "accepted"}) == 2
    assert journal.acknowledge({2: "accepted"}) == 0  # idempotent
    assert [r.seq for r in journal.outbox()] == [3, 4, 5]
    assert [r.seq for r in journal.outbox(limit=2)] == [3, 4]
    count, oldest = journal.outbox_stats()
    assert count == 3 and oldest == journal.get(3).time
    assert journal.outbox()[0].idempotency_key == "T-0001:3"


def test_concurrent_writers_keep_a_gap_free_chain(journal):
    def sell(n: int) -> None:
        for i in range(25):
            journal.append("sale.completed", {**SALE, "sale_id": f"{n}-{i}"})

    threads = [threading.Thread(target=sell, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.seq for r in journal.records()] == list(range(1, 101))
    assert verify_journal(journal.path).ok


def test_two_processes_worth_of_connections_never_fork_the_chain(tmp_path, keystore):
    path = tmp_path / "j.db"
    Journal.create(path, keystore).close()
    a, b = Journal.open(path, keystore), Journal.open(path, keystore)
    try:
        for i in range(10):
            (a if i % 2 else b).append("sale.completed", {**SALE, "sale_id": str(i)})
    finally:
        a.close()
        b.close()
    report = verify_journal(path)
    assert report.ok and report.records == 10


def test_missing_file_is_not_created_silently(tmp_path, keystore):
    with pytest.raises(JournalNotFound):
        Journal.open(tmp_path / "nope.db", keystore)
    assert not (tmp_path / "nope.db").exists()
    with Journal.open(tmp_path / "new.db", keystore, create=True) as journal:
        journal.append("sale.completed", SALE)
    with Journal.open(tmp_path / "new.db", keystore, create=True) as journal:
        assert journal.head()[0] == 1  # opened, not re-created


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"SQLite format 3\x00" + b"\x00" * 20,  # truncated inside the header
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 200,
        "收银 journal, plain text".encode() * 20,
    ],
    ids=["empty", "truncated-header", "png", "text"],
)
def test_foreign_or_truncated_files_are_refused_untouched(tmp_path, keystore, content):
    path = tmp_path / "j.db"
    path.write_bytes(content)
    before = _digest(path)
    with pytest.raises(NotAJournal, match="not an edgepos journal"):
        Journal.open(path, keystore, create=True)
    with pytest.raises(JournalError):
        Journal.create(path, keystore)
    assert _digest(path) == before


def test_another_sqlite_database_is_refused_untouched(tmp_path, keystore):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER, name TEXT)")
    conn.commit()
    conn.close()
    before = _digest(path)
    with pytest.raises(NotAJournal, match="not an edgepos journal"):
        Journal.open(path, keystore)
    with pytest.raises(NotAJournal):
        verify_journal(path)
    assert _digest(path) == before


def test_truncated_journal_gives_a_clear_error(tmp_path, keystore):
    path = tmp_path / "j.db"
    with Journal.create(path, keystore) as journal:
        for i in range(300):
            journal.append("sale.completed", {**SALE, "sale_id": f"s{i}", "pad": "x" * 200})
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    before = _digest(path)
    with pytest.raises(JournalError) as raised:
        with Journal.open(path, keystore) as journal:
            list(journal.records())
    assert str(path) in str(raised.value)
    assert _digest(path) == before


def test_journal_of_another_terminal_is_refused(tmp_path, journal):
    journal.append("sale.completed", SALE)
    other = FileKeyStore.create(tmp_path / "other.json", b"x", "T-0002")
    with pytest.raises(WrongTerminal, match="T-0001"):
        Journal.open(journal.path, other)
