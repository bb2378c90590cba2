"""Walk a journal's chain and say whether it is intact: every hash, every signature, no gap, nothing reordered.

Reads the file read-only and needs no secret: only the terminal's public key, taken from the journal or, to catch
a journal re-signed with another key, pinned by the caller (the hub keeps the key registered at enrolment).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path

from sync.chain import genesis_hash, record_problem
from sync.crypto import CryptoError, Sm2PublicKey
from sync.journal import JournalDamaged, check_journal_file, read_meta


@dataclass(frozen=True, slots=True)
class VerifyReport:
    path: str
    ok: bool
    terminal_id: str | None
    records: int  # records checked and found good, in order
    head_seq: int | None
    first_bad_seq: int | None
    problem: str | None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def verify_journal(path: str | Path, public_key: bytes | None = None) -> VerifyReport:
    """Check the whole chain. Raises JournalError (NotAJournal, JournalNotFound, ...) when it is no journal at all."""
    path = Path(path)
    check_journal_file(path)
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    conn.text_factory = bytes  # a flipped byte may leave invalid UTF-8: compare bytes, never crash decoding
    try:
        return _walk(conn, path, public_key)
    except sqlite3.DatabaseError as exc:
        raise JournalDamaged(f"{path}: journal cannot be read ({exc})") from None
    finally:
        conn.close()



def _walk(conn: sqlite3.Connection, path: Path, pinned_key: bytes | None) -> VerifyReport:
    meta = read_meta(conn, path)
    terminal_id = meta["terminal_id"]

    def bad(good: int, seq: int | None, problem: str) -> VerifyReport:
        return VerifyReport(str(path), False, terminal_id, good, head_seq, seq, problem)

    head_seq: int | None = None
    try:
        key_bytes = bytes.fromhex(meta["public_key"])
        key = Sm2PublicKey(key_bytes)
    except (ValueError, CryptoError):
        return bad(0, 1, "the terminal public key in the journal is malformed")
    if pinned_key is not None and pinned_key != key_bytes:
        return bad(0, 1, "journal is signed by another key than the one expected for this terminal")
    head = conn.execute("SELECT seq, hash FROM head WHERE id = 1").fetchone()
    if head is None:
        return bad(0, 1, "journal head is missing")
    head_seq = head[0] if isinstance(head[0], int) else None

    try:  # keys before a rotation (sync.journal.KEY_HISTORY), each with the last record it signed
        history = [(int(e["until_seq"]), bytes.fromhex(e["public_key"])) for e in json.loads(meta.get("key_history",
                                                                                                       "[]"))]
        earlier = [(until, Sm2PublicKey(raw)) for until, raw in history]
    except (ValueError, KeyError, TypeError, CryptoError):
        return bad(0, 1, "the journal's key history is malformed")
    expected_prev = genesis_hash(terminal_id, history[0][1] if history else key_bytes)
    expected_seq = 1
    rows = conn.execute(
        "SELECT seq, terminal_id, time, type, payload, secret, prev_hash, hash, signature FROM records ORDER BY seq"
    )
    last_hash = expected_prev
    for seq, term, time, rtype, payload, secret, prev_hash, digest, signature in rows:
        good = expected_seq - 1
        if seq != expected_seq:
            if isinstance(seq, int) and seq > expected_seq:
                return bad(good, expected_seq, f"record {expected_seq} is missing (next present is {seq})")
            return bad(good, expected_seq, f"record numbering broken after {good}")
        signer = next((k for until, k in earlier if isinstance(seq, int) and seq <= until), key)
        problem = record_problem(seq, term, time, rtype, payload, secret, prev_hash, digest, signature,
                                 terminal_id.encode(), expected_prev, signer)
        if problem:
            return bad(good, seq, problem)
        expected_prev = last_hash = digest
        expected_seq += 1
    count = expected_seq - 1
    if head_seq != count or head[1] != last_hash:
        if isinstance(head_seq, int) and head_seq > count:
            return bad(count, count + 1, f"records {count + 1}..{head_seq} were removed from the end")
        return bad(count, count + 1 if count else 1, "journal head does not match its last record")
    problems = [row[0] for row in conn.execute("PRAGMA quick_check")]
    if problems != [b"ok"]:
        detail = problems[0].decode("utf-8", "replace")
        return bad(count, None, f"the file structure is damaged ({detail})")
    return VerifyReport(str(path), True, terminal_id, count, head_seq, None, None)
