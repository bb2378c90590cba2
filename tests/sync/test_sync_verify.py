"""`edgepos journal verify` against real tampering: SQL edits and raw byte flips in the file, run as users run it."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import pytest
from edgepos_cli import edgepos

from sync.journal import Journal
from sync.keystore import FileKeyStore
from sync.verify import verify_journal


def make_journal(path: Path, keystore, count: int = 40) -> None:
    with Journal.create(path, keystore) as journal:
        for i in range(count):
            journal.append(
                "sale.completed",
                {"sale_id": f"sale-{i:05d}", "total": 100 + i, "currency": "CNY", "marker": f"MARK{i:05d}MARK"},
                {"card_token": f"tk_{i:08x}", "last4": "4242"} if i % 2 else None,
            )


def run_sql(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


def verify_cli(path: Path, *extra: str) -> tuple[int, dict]:
    result = edgepos("journal", "verify", "--db", str(path), "--json", *extra)
    return result.returncode, json.loads(result.stdout)


@pytest.fixture
def sealed(tmp_path, keystore) -> Path:
    path = tmp_path / "j.db"
    make_journal(path, keystore)
    return path


def test_intact_journal_exits_zero(sealed):
    code, report = verify_cli(sealed)
    assert code == 0
    assert report["ok"] is True and report["records"] == 40 and report["first_bad_seq"] is None
    human = edgepos("journal", "verify", "--db", str(sealed))
    assert human.returncode == 0 and "intact, 40 records" in human.stdout


@pytest.mark.parametrize(
    ("statement", "bad_seq"),
    [
        ("UPDATE records SET payload = replace(payload, '\"total\":117', '\"total\":1') WHERE seq = 18", 18),
        ("UPDATE records SET time = '2020-01-01T00:00:00.000000+00:00' WHERE seq = 5", 5),
        ("UPDATE records SET type = 'sale.voided' WHERE seq = 7", 7),
        ("UPDATE records SET secret = NULL WHERE seq = 10", 10),
        ("UPDATE records SET signature = (SELECT signature FROM records WHERE seq = 3) WHERE seq = 4", 4),
        ("DELETE FROM records WHERE seq = 21", 21),
        ("DELETE FROM records WHERE seq = 1", 1),
        ("UPDATE records SET seq = 999 WHERE seq = 30", 30),
        ("UPDATE records SET terminal_id = 'T-EVIL' WHERE seq = 2", 2),
    ],
    ids=["amount", "time", "type", "secret", "signature", "delete-middle", "delete-first", "renumber", "terminal"],
)
def test_sql_tampering_names_the_first_bad_record(sealed, statement, bad_seq):
    run_sql(sealed, statement)
    code, report = verify_cli(sealed)
    assert code == 3
    assert report["ok"] is False and report["first_bad_seq"] == bad_seq


def test_reordering_two_records_is_caught(sealed):
    run_sql(
        sealed,
        "UPDATE records SET seq = -1 WHERE seq = 12",
        "UPDATE records SET seq = 12 WHERE seq = 13",
        "UPDATE records SET seq = 13 WHERE seq = -1",
    )
    code, report = verify_cli(sealed)
    assert (code, report["first_bad_seq"]) == (3, 12)


def test_removing_the_last_records_is_caught(sealed):
    run_sql(sealed, "DELETE FROM records WHERE seq >= 39")
    code, report = verify_cli(sealed)
    assert (code, report["first_bad_seq"]) == (3, 39)
    assert "removed from the end" in report["problem"]


def test_a_journal_re_signed_with_another_key_fails_a_pinned_check(tmp_path, sealed, keystore):
    forged_keys = FileKeyStore.create(tmp_path / "forged.json", b"x", "T-0001")
    forged = tmp_path / "forged.db"
    make_journal(forged, forged_keys)
    assert verify_cli(forged)[0] == 0  # self-consistent on its own...
    code, report = verify_cli(forged, "--public-key", keystore.public_key().hex())
    assert code == 3 and "another key" in report["problem"]  # ...but not signed by the terminal's key
    assert verify_cli(sealed, "--public-key", keystore.public_key().hex())[0] == 0


def test_swapping_the_public_key_in_the_metadata_is_caught(tmp_path, sealed):
    other = FileKeyStore.create(tmp_path / "other.json", b"x", "T-0001").public_key().hex()
    run_sql(sealed, f"UPDATE meta SET value = '{other}' WHERE key = 'public_key'")
    code, report = verify_cli(sealed)
    assert (code, report["first_bad_seq"]) == (3, 1)


def test_a_flipped_byte_in_any_record_of_the_file_is_caught(tmp_path, keystore):
    """Flip one bit inside stored records (payload, hash, signature, sealed secret) in the raw file."""
    rng = random.Random(5)
    pristine = tmp_path / "pristine.db"
    make_journal(pristine, keystore)
    with Journal.open(pristine, keystore) as journal:
        records = list(journal.records())
    data = pristine.read_bytes()
    for record in rng.sample(records, 12):
        # the hash is stored three times (this record, the next one's prev_hash, the head): aim at this record's cell
        tail = data.find(record.prev_hash + record.hash + record.signature)
        assert tail > 0, f"record {record.seq} not found in the file"
        where = {
            "payload_raw": data.find(record.payload_raw),
            "secret": data.find(record.secret) if record.secret else -1,
            "hash": tail + len(record.prev_hash),
            "signature": tail + len(record.prev_hash) + len(record.hash),
        }
        for field, offset in where.items():
            if offset < 0:
                continue
            value = getattr(record, field)
            flipped = bytearray(data)
            flipped[offset + rng.randrange(len(value))] ^= 1 << rng.randrange(8)
            target = tmp_path / f"flip-{record.seq}-{field}.db"
            target.write_bytes(bytes(flipped))
            report = verify_journal(target)
            assert not report.ok, f"flip in record {record.seq} {field} went unnoticed"
            assert report.first_bad_seq == record.seq


def test_the_cli_names_the_record_with_a_flipped_payload_byte(sealed, keystore):
    with Journal.open(sealed, keystore) as journal:
        marker = journal.get(17).payload_raw
    data = bytearray(sealed.read_bytes())
    data[data.find(marker) + 3] ^= 0x01
    sealed.write_bytes(bytes(data))
    code, report = verify_cli(sealed)
    assert (code, report["first_bad_seq"]) == (3, 17)
    human = edgepos("journal", "verify", "--db", str(sealed))
    assert human.returncode == 3 and "17" in human.stdout + human.stderr


def test_a_flip_that_corrupts_the_file_structure_is_still_exit_3(tmp_path, keystore):
    path = tmp_path / "j.db"
    make_journal(path, keystore, count=200)
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    # wreck the b-tree header of the last page: SQLite itself can no longer read the records there
    data[len(data) - page_size : len(data) - page_size + 8] = b"\xff" * 8
    path.write_bytes(bytes(data))
    code, report = verify_cli(path)
    assert code == 3 and report["ok"] is False and report["problem"]


@pytest.mark.parametrize("content", [b"", b"not a journal\n" * 10, b"SQLite format 3\x00\x10"])
def test_unusable_input_is_exit_1_with_a_clear_message(tmp_path, content):
    path = tmp_path / "x.db"
    path.write_bytes(content)
    result = edgepos("journal", "verify", "--db", str(path))
    assert result.returncode == 1
    assert "not an edgepos journal" in result.stderr and "Traceback" not in result.stderr
    missing = edgepos("journal", "verify", "--db", str(tmp_path / "missing.db"), "--json")
    assert missing.returncode == 1 and json.loads(missing.stdout)["ok"] is False
    assert not (tmp_path / "missing.db").exists()


def test_verify_does_not_modify_the_journal(sealed):
    before = sealed.read_bytes()
    assert verify_cli(sealed)[0] == 0
    assert sealed.read_bytes() == before
