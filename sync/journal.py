"""The store-and-forward journal: an append-only, hash-chained, signed SQLite file on the terminal.

Every sale, tender, refund, void and shift event is one record. A record is durable (WAL, synchronous=FULL,
committed) before `append` returns, so the customer is told "approved" only about what survives a power cut.
Each record carries the SM3 hash of the previous one and an SM2 signature by the terminal key: altering,
removing or reordering a record breaks the chain, which `verify_journal` (sync/verify.py) finds.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils.migrations import Migrations

from sync.chain import canonical_json, genesis_hash, record_digest, record_problem
from sync.crypto import CryptoError, Sm2PublicKey
from sync.keystore import KeyStore
from sync.pan import find_pan
from sync.sqlite_tx import transaction

APPLICATION_ID = 0x45504A31  # "EPJ1" in the SQLite header: tells our journal from any other SQLite file
FORMAT = "edgepos-journal"
KEY_HISTORY = "key_history"  # meta: JSON [{"public_key": hex, "until_seq": n}], the keys before a rotation
SQLITE_MAGIC = b"SQLite format 3\x00"
_RECORD_TYPE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")

Clock = Callable[[], datetime]


class JournalError(Exception):
    """Base of journal errors; the message says what is wrong and what to do."""


class JournalNotFound(JournalError):
    pass


class NotAJournal(JournalError):
    """The file exists but is not an edgepos journal (foreign or truncated file). It is never overwritten."""


class JournalDamaged(JournalError):
    """The file is an edgepos journal but SQLite cannot read it back."""


class KeyRotated(JournalError):
    """This process holds the terminal's old key: the key was rotated by another process (reopen the journal)."""


class WrongTerminal(JournalError):
    pass


@dataclass(frozen=True, slots=True)
class Record:
    """One journal record exactly as stored: the signed bytes travel to the hub unchanged."""

    seq: int
    terminal_id: str
    time: datetime
    type: str
    payload_raw: bytes
    secret: bytes | None
    prev_hash: bytes
    hash: bytes
    signature: bytes

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.payload_raw)

    @property
    def time_text(self) -> str:
        """The time exactly as stored and signed."""
        return time_text(self.time)

    @property
    def idempotency_key(self) -> str:
        """Unique per terminal and record: the hub counts each record exactly once under this key."""
        return f"{self.terminal_id}:{self.seq}"


def time_text(time: datetime) -> str:
    """The one text form of a record time: ISO 8601, UTC, microseconds."""
    return time.astimezone(UTC).isoformat(timespec="microseconds")


def utc_now() -> datetime:
    return datetime.now(UTC)


class Journal:
    """A terminal's journal. One writer; safe to share between threads (checkout and uplink)."""

    def __init__(self, path: Path, conn: sqlite3.Connection, keystore: KeyStore, clock: Clock) -> None:
        self.path = path
        self._conn = conn
        self._keys = keystore
        self._signer = keystore.signing_key()
        self._public_hex = keystore.public_key().hex()
        self._envelope = keystore.envelope()
        self._clock = clock
        self._lock = threading.Lock()
        self.terminal_id = keystore.terminal_id

    # --- opening ------------------------------------------------------------------------------------------------

    @classmethod
    def create(cls, path: str | os.PathLike[str], keystore: KeyStore, clock: Clock = utc_now) -> Journal:
        """Create a new journal at `path`; refuses if anything is already there.

        The schema is built in a side file and linked into place, so a crash mid-creation leaves no half journal.
        """
        path = Path(path)
        if path.exists() or path.is_symlink():
            raise JournalError(f"{path}: a file is already there; refusing to create a journal over it")
        staging = path.with_name(f".{path.name}.creating-{os.getpid()}")
        staging.unlink(missing_ok=True)
        conn = _connect(staging)
        try:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute("PRAGMA journal_mode = WAL")
            _migrate(conn)
            with transaction(conn):
                conn.executemany(
                    "INSERT INTO meta (key, value) VALUES (?, ?)",
                    [
                        ("format", FORMAT),
                        ("terminal_id", keystore.terminal_id),
                        ("public_key", keystore.public_key().hex()),
                        ("created_at", clock().isoformat()),
                    ],
                )
                conn.execute(
                    "INSERT INTO head (id, seq, hash) VALUES (1, 0, ?)",
                    (genesis_hash(keystore.terminal_id, keystore.public_key()),),
                )
        finally:
            conn.close()
        os.chmod(staging, 0o600)
        try:
            os.link(staging, path)
        except FileExistsError:
            raise JournalError(f"{path}: a file appeared there while creating; refusing to replace it") from None
        finally:
            staging.unlink(missing_ok=True)
        _fsync_dir(path.parent)
        return cls.open(path, keystore, clock)

    @classmethod
    def open(
        cls, path: str | os.PathLike[str], keystore: KeyStore, clock: Clock = utc_now, create: bool = False
    ) -> Journal:
        """Open an existing journal (or create one when `create` and nothing is at `path`)."""
        path = Path(path)
        if create and not path.exists() and not path.is_symlink():
            return cls.create(path, keystore, clock)
        check_journal_file(path)
        conn = None
        try:
            conn = _connect(path)
            meta = read_meta(conn, path)
            if meta["terminal_id"] != keystore.terminal_id:
                raise WrongTerminal(
                    f"{path}: journal of terminal {meta['terminal_id']!r}, key store of {keystore.terminal_id!r}"
                )
            if bytes.fromhex(meta["public_key"]) != keystore.public_key():
                raise WrongTerminal(f"{path}: journal was signed by another key than this key store holds")
            conn.execute("PRAGMA journal_mode = WAL")
            _migrate(conn)
        except sqlite3.DatabaseError as exc:
            _close_quietly(conn)
            raise JournalDamaged(f"{path}: journal cannot be read ({exc}); keep the file for forensics") from None
        except JournalError:
            _close_quietly(conn)
            raise
        return cls(path, conn, keystore, clock)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writing ------------------------------------------------------------------------------------------------

    def append(
        self, record_type: str, payload: Mapping[str, Any], sensitive: Mapping[str, Any] | None = None
    ) -> Record:
        """Append one record and make it durable before returning.

        `sensitive` (card token, auth data, wallet proofs) is stored only sealed (SM4-GCM then AES-GCM). A clear
        card number anywhere in the record is refused: tokenise it first (sync.pan.tokenize_pan). Store binary
        values (cryptograms, EMV tag values) as base64, not hex: 16 hex digits are all decimal now and then, and a
        Luhn-valid run of them would be refused as a card number (about 1 ARQC in 50,000).
        """
        if not _RECORD_TYPE.match(record_type) or len(record_type) > 64:
            raise ValueError(f"record type {record_type!r} must look like 'sale.completed'")
        payload_raw = canonical_json(payload)
        secret_raw = canonical_json(sensitive) if sensitive else None
        for part in (payload_raw, secret_raw):
            masked = find_pan(part.decode()) if part else None
            if masked:
                raise ValueError(f"record carries a clear card number ({masked}); store a token and last four")
        with self._lock, self._errors("write"), transaction(self._conn) as conn:
            held = conn.execute("SELECT value FROM meta WHERE key = 'public_key'").fetchone()
            if held is None or held[0] != self._public_hex:
                raise KeyRotated(f"{self.path}: the terminal key was rotated (by the sync daemon); open the till "
                                 "again to sign with the new key; nothing was recorded")
            seq, prev_hash = conn.execute("SELECT seq, hash FROM head WHERE id = 1").fetchone()
            seq += 1
            time = self._clock()
            if time.utcoffset() is None:
                raise ValueError("journal clock must return timezone-aware UTC times")
            stored_time = time_text(time)
            secret = (
                self._envelope.seal(secret_raw, _secret_aad(self.terminal_id, seq, record_type))
                if secret_raw is not None
                else None
            )
            digest = record_digest(
                self.terminal_id.encode(), seq, stored_time.encode(), record_type.encode(), payload_raw, secret,
                prev_hash,
            )
            signature = self._signer.sign(digest)
            conn.execute(
                "INSERT INTO records (seq, terminal_id, time, type, payload, secret, prev_hash, hash, signature)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (seq, self.terminal_id, stored_time, record_type, payload_raw, secret, prev_hash, digest, signature),
            )
            conn.execute("UPDATE head SET seq = ?, hash = ? WHERE id = 1", (seq, digest))
        return Record(seq, self.terminal_id, time.astimezone(UTC), record_type, payload_raw, secret, prev_hash,
                      digest, signature)

    def adopt(self, records: Sequence[Record], result: str = "recovered") -> int:
        """Append records this terminal signed earlier that the hub holds and this file lost (a till restored from an
        older backup): each must continue the chain exactly (seq, prev_hash, digest, our own signature). They are
        acknowledged at once, as the hub already holds them. Returns how many were adopted; JournalError on the
        first one that does not fit (nothing after it is written)."""
        adopted = 0
        signers = self._signers([record.seq for record in records])  # before the lock: reading history takes it
        with self._lock, self._errors("write"), transaction(self._conn) as conn:
            seq, head = conn.execute("SELECT seq, hash FROM head WHERE id = 1").fetchone()
            now = time_text(self._clock())
            for record in records:
                problem = record_problem(record.seq, record.terminal_id.encode(), record.time_text.encode(),
                                         record.type.encode(), record.payload_raw, record.secret, record.prev_hash,
                                         record.hash, record.signature, self.terminal_id.encode(), head,
                                         signers[record.seq])
                if record.seq != seq + 1 or problem is not None:  # the same rules the verifier and the hub apply
                    raise JournalError(f"record {record.seq} from the hub does not continue this journal's chain "
                                       f"at {seq}; nothing after {seq} was adopted")
                conn.execute(
                    "INSERT INTO records (seq, terminal_id, time, type, payload, secret, prev_hash, hash, signature)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (record.seq, record.terminal_id, record.time_text, record.type, record.payload_raw,
                     record.secret, record.prev_hash, record.hash, record.signature),
                )
                conn.execute("INSERT INTO acks (seq, acked_at, result) VALUES (?, ?, ?)", (record.seq, now, result))
                seq, head = record.seq, record.hash
                adopted += 1
            conn.execute("UPDATE head SET seq = ?, hash = ? WHERE id = 1", (seq, head))
        return adopted

    def acknowledge(self, results: Mapping[int, str]) -> int:
        """Mark records as accepted by the hub (seq -> hub result). Returns how many were newly acknowledged."""
        now = time_text(self._clock())
        with self._lock, self._errors("write"), transaction(self._conn) as conn:
            before = conn.total_changes
            conn.executemany(
                "INSERT OR IGNORE INTO acks (seq, acked_at, result) SELECT ?, ?, ? WHERE EXISTS "
                "(SELECT 1 FROM records WHERE seq = ?)",
                [(seq, now, result, seq) for seq, result in results.items()],
            )
            return conn.total_changes - before

    # --- reading ------------------------------------------------------------------------------------------------

    def head(self) -> tuple[int, bytes]:
        with self._lock, self._errors("read"):
            seq, digest = self._conn.execute("SELECT seq, hash FROM head WHERE id = 1").fetchone()
        return seq, digest

    def get(self, seq: int) -> Record | None:
        with self._lock, self._errors("read"):
            row = self._conn.execute(f"SELECT {_COLUMNS} FROM records WHERE seq = ?", (seq,)).fetchone()
        return _record(row) if row else None

    def records(self, after: int = 0, batch: int = 500) -> Iterator[Record]:
        """All records with seq > `after`, in order, read in batches (safe while others append)."""
        while True:
            with self._lock, self._errors("read"):
                rows = self._conn.execute(
                    f"SELECT {_COLUMNS} FROM records WHERE seq > ? ORDER BY seq LIMIT ?", (after, batch)
                ).fetchall()
            if not rows:
                return
            for row in rows:
                yield _record(row)
            after = rows[-1][0]

    def outbox(self, limit: int = 500) -> list[Record]:
        """The oldest records the hub has not acknowledged yet, in order."""
        with self._lock, self._errors("read"):
            rows = self._conn.execute(f"SELECT {_COLUMNS} FROM outbox ORDER BY seq LIMIT ?", (limit,)).fetchall()
        return [_record(row) for row in rows]

    def durability(self) -> dict[str, str]:
        """The settings every "approved" rests on, read back from SQLite (for benchmarks and diagnostics)."""
        modes = {0: "off", 1: "normal", 2: "full", 3: "extra"}
        with self._lock, self._errors("read"):
            journal_mode = self._conn.execute("PRAGMA journal_mode").fetchone()[0]
            synchronous = self._conn.execute("PRAGMA synchronous").fetchone()[0]
        return {"journal_mode": journal_mode, "synchronous": modes.get(synchronous, str(synchronous))}

    def outbox_stats(self) -> tuple[int, datetime | None]:
        """(pending count, time of the oldest pending record)."""
        with self._lock, self._errors("read"):
            count, oldest = self._conn.execute("SELECT count(*), min(time) FROM outbox").fetchone()
        return count, datetime.fromisoformat(oldest) if oldest else None

    def reveal(self, record: Record) -> dict[str, Any] | None:
        """Decrypt a record's sensitive part (needs this terminal's keys)."""
        if record.secret is None:
            return None
        try:
            plain = self._envelope.open(record.secret, _secret_aad(record.terminal_id, record.seq, record.type))
        except CryptoError as exc:
            raise JournalError(f"record {record.seq}: sensitive part cannot be opened: {exc}") from None
        return json.loads(plain)

    def public_key(self) -> Sm2PublicKey:
        return Sm2PublicKey(self._keys.public_key())

    def key_for(self, seq: int) -> Sm2PublicKey:
        """The key that signed record `seq`: an earlier key for records before a rotation (meta key_history)."""
        return self._signers([seq])[seq]

    def _signers(self, seqs: Sequence[int]) -> dict[int, Sm2PublicKey]:
        with self._lock, self._errors("read"):
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (KEY_HISTORY,)).fetchone()
        history = [(int(e["until_seq"]), Sm2PublicKey(bytes.fromhex(e["public_key"])))
                   for e in (json.loads(row[0]) if row else [])]
        current = self.public_key()
        return {seq: next((key for until, key in history if seq <= until), current) for seq in seqs}

    def switch_key(self, keystore: KeyStore) -> int:
        """Sign every record after the current head with `keystore`'s key (a key rotation the hub has accepted):
        the old key and the last seq it signed go into meta key_history, in one transaction with the new key.
        Returns that last seq. Other processes' journals then refuse to append (KeyRotated) until reopened."""
        if keystore.terminal_id != self.terminal_id:
            raise WrongTerminal("a key store of another terminal")
        with self._lock, self._errors("write"), transaction(self._conn) as conn:
            head = conn.execute("SELECT seq FROM head WHERE id = 1").fetchone()[0]
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (KEY_HISTORY,)).fetchone()
            history = [*(json.loads(row[0]) if row else []), {"public_key": self._public_hex, "until_seq": head}]
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (KEY_HISTORY, json.dumps(history)))
            conn.execute("UPDATE meta SET value = ? WHERE key = 'public_key'", (keystore.public_key().hex(),))
        self._keys, self._signer = keystore, keystore.signing_key()
        self._public_hex = keystore.public_key().hex()
        return int(head)

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        """SQLite errors become journal errors that say what happened to the data."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            if action == "write":
                raise JournalError(f"{self.path}: journal write failed ({exc}); nothing was recorded") from None
            raise JournalDamaged(f"{self.path}: journal cannot be read ({exc}); keep the file for forensics") from None


# --- schema -------------------------------------------------------------------------------------------------------

_COLUMNS = "seq, terminal_id, time, type, payload, secret, prev_hash, hash, signature"
migrations = Migrations("edgepos.journal")


@migrations()
def m001_records(db: sqlite_utils.Database) -> None:
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute(
        """CREATE TABLE records (
            seq INTEGER PRIMARY KEY,
            terminal_id TEXT NOT NULL,
            time TEXT NOT NULL,
            type TEXT NOT NULL,
            payload BLOB NOT NULL,
            secret BLOB,
            prev_hash BLOB NOT NULL,
            hash BLOB NOT NULL,
            signature BLOB NOT NULL
        )"""
    )
    db.execute("CREATE TABLE head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash BLOB NOT NULL)")
    db.execute(
        "CREATE TABLE acks (seq INTEGER PRIMARY KEY REFERENCES records(seq), acked_at TEXT NOT NULL, result TEXT)"
    )
    db.execute(f"CREATE VIEW outbox AS SELECT {_COLUMNS} FROM records r "
               "WHERE NOT EXISTS (SELECT 1 FROM acks a WHERE a.seq = r.seq)")
    db.execute("CREATE INDEX records_type_time ON records (type, time)")


def _migrate(conn: sqlite3.Connection) -> None:
    migrations.apply(sqlite_utils.Database(conn))


# --- helpers shared with the verifier -----------------------------------------------------------------------------


def check_journal_file(path: Path) -> None:
    """Refuse, with a clear message, anything that is not an existing SQLite file (before SQLite touches it)."""
    try:
        with open(path, "rb") as handle:
            header = handle.read(100)
    except FileNotFoundError:
        raise JournalNotFound(f"{path}: no journal here") from None
    except IsADirectoryError:
        raise NotAJournal(f"{path}: is a directory, not a journal") from None
    except OSError as exc:
        raise JournalError(f"{path}: cannot read: {exc.strerror}") from None
    if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
        kind = "empty" if not header else "truncated or not a SQLite database"
        raise NotAJournal(f"{path}: not an edgepos journal ({kind}); the file was left untouched")
    if int.from_bytes(header[68:72], "big") != APPLICATION_ID:
        raise NotAJournal(f"{path}: a SQLite database, but not an edgepos journal; the file was left untouched")


def read_meta(conn: sqlite3.Connection, path: Path) -> dict[str, str]:
    try:
        meta = {_text(k): _text(v) for k, v in conn.execute("SELECT key, value FROM meta")}
    except sqlite3.DatabaseError as exc:
        raise JournalDamaged(f"{path}: journal metadata cannot be read ({exc})") from None
    if meta.get("format") != FORMAT or "terminal_id" not in meta or "public_key" not in meta:
        raise JournalDamaged(f"{path}: journal metadata is missing or altered")
    return meta


def _text(value: str | bytes) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10)
    conn.execute("PRAGMA synchronous = FULL")
    return conn


def _close_quietly(conn: sqlite3.Connection | None) -> None:
    if conn is not None:
        conn.close()


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _secret_aad(terminal_id: str, seq: int, record_type: str) -> bytes:
    return f"{terminal_id}\x00{seq}\x00{record_type}".encode()


def _record(row: tuple[Any, ...]) -> Record:
    seq, terminal_id, time, record_type, payload, secret, prev_hash, digest, signature = row
    return Record(seq, terminal_id, datetime.fromisoformat(time), record_type, payload, secret, prev_hash, digest,
                  signature)
