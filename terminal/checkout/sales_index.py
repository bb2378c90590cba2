"""A derived, rebuildable index of the journal: completed sales with their refunds and voids applied, and the
abandoned holds still to release.

The journal is the truth; it is append-only and signed, but answering "which sale was CNY 42.50 on a card ending
4242 this morning" from it means replaying every record. `sales-index.db`, next to the journal, keeps the answer
and is caught up from the last indexed record (`refresh()`, one head read when nothing is new). It holds nothing
that is not in the journal: deleting it, or finding it damaged, foreign or behind a rewound journal, only costs a
rebuild. Sales are rebuilt with the domain's own replay (`Sale.from_dict`, `apply_refund`, `apply_void`), so the
index applies exactly the rules that created the records.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sync.journal import Journal, Record, time_text
from sync.sqlite_tx import create_private, transaction
from terminal.checkout.errors import CheckoutError
from terminal.domain import DomainError, Money, Refund, Sale, SaleStatus, TenderKind, Void

log = logging.getLogger("edgepos.checkout")

INDEX_NAME = "sales-index.db"
SCHEMA_VERSION = "2"
RECEIPT_CODE_PREFIX = "EPS1"  # what the sale receipt's QR encodes: EPS1:<terminal id>:<sale id>, no secret
RECEIPT_QR_CAPTION = "Show this code at the till for a refund"
_TERMINAL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_LAST4 = re.compile(r"[0-9]{4}")
_INDEXED = ("sale.completed", "refund.requested", "refund.completed", "sale.voided", "auth.abandoned",
            "auth.released")


class NotAReceiptCode(CheckoutError):
    """A scanned text that is not one of our sale receipt codes (or is damaged)."""


class SaleNotFound(CheckoutError):
    """No completed sale with that id on this till."""


@dataclass(frozen=True, slots=True)
class SaleSummary:
    """One row of the cashier's "find the original sale" list. `status`: paid, part_refunded, refunded, voided."""

    sale_id: str
    completed_at: datetime
    total: Money
    tender_kinds: tuple[TenderKind, ...]
    last4s: tuple[str, ...]
    status: str
    refunded: Money

    @property
    def voided(self) -> bool:
        return self.status == "voided"


def receipt_code(terminal_id: str, sale_id: str, link: str | None = None) -> str:
    """The text of a sale receipt's QR: names the sale and its till, nothing secret (no card, no amount). With
    `link` (the hub's public address, config `hub.invoice_url`) it is the hub's e-invoice page for the sale, which a
    customer's phone opens: `<link>/invoice?code=EPS1:<terminal>:<sale>`; the till reads both forms."""
    code = f"{RECEIPT_CODE_PREFIX}:{terminal_id}:{sale_id}"
    return f"{link.rstrip('/')}/invoice?code={code}" if link else code


def parse_receipt_code(text: object) -> tuple[str, str]:
    """(terminal id, sale id) from a scanned receipt QR; NotAReceiptCode for anything else."""
    refusal = "This is not a receipt code from this shop. Find the sale by time, amount or card instead."
    if not isinstance(text, str) or len(text) > 400:
        raise NotAReceiptCode(refusal, code="not_a_receipt_code")
    if text.startswith(("https://", "http://")):  # the e-invoice link form: the code is its `code` parameter
        codes = parse_qs(urlsplit(text.strip()).query).get("code", [])
        text = codes[0] if len(codes) == 1 else ""
    prefix, _, rest = text.strip().partition(":")
    terminal_id, _, sale_id = rest.rpartition(":")
    if prefix != RECEIPT_CODE_PREFIX or not _TERMINAL_ID.fullmatch(terminal_id):
        raise NotAReceiptCode(refusal, code="not_a_receipt_code")
    try:
        if str(uuid.UUID(sale_id)) != sale_id:
            raise ValueError(sale_id)
    except ValueError:
        raise NotAReceiptCode("This receipt code is damaged. Find the sale by time, amount or card instead.",
                              code="receipt_code_damaged") from None
    return terminal_id, sale_id


def index_path_for(journal_path: str | Path) -> Path:
    return Path(journal_path).with_name(INDEX_NAME)


def _status(sale: Sale) -> str:
    if sale.status is SaleStatus.VOIDED:
        return "voided"
    if not sale.refunds:
        return "paid"
    fully = all(sale.refundable_quantity(line.line_no) == 0 for line in sale.lines)
    return "refunded" if fully else "part_refunded"


class SaleIndex:
    """The index of one journal. One connection, guarded by a lock (the till and the uplink thread may share it)."""

    def __init__(self, journal: Journal, path: Path, conn: sqlite3.Connection) -> None:
        self.journal, self.path, self._conn = journal, path, conn
        self._lock = threading.RLock()

    # --- opening --------------------------------------------------------------------------------------------------

    @classmethod
    def open(cls, journal: Journal, path: str | Path | None = None) -> SaleIndex:
        """Open (or create) the index next to `journal` and catch it up. A damaged or foreign file is rebuilt."""
        where = Path(path) if path is not None else index_path_for(journal.path)
        try:
            conn = cls._connect(where, journal)
        except sqlite3.DatabaseError as exc:
            log.warning("sales index %s unreadable (%s): rebuilding it from the journal", where, exc)
            for stale in (where, where.with_name(where.name + "-wal"), where.with_name(where.name + "-shm")):
                stale.unlink(missing_ok=True)
            conn = cls._connect(where, journal)
        index = cls(journal, where, conn)
        index.refresh()
        return index

    @staticmethod
    def _connect(path: Path, journal: Journal) -> sqlite3.Connection:
        create_private(path)  # amounts and card last fours: owner only, like the journal
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10)
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")  # derived data: a lost tail is re-read from the journal
            conn.executescript(_SCHEMA)
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
            if meta.get("version") != SCHEMA_VERSION or meta.get("terminal_id") != journal.terminal_id:
                _reset(conn, journal.terminal_id)
        except sqlite3.DatabaseError:
            conn.close()
            raise
        return conn

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> SaleIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- catching up ----------------------------------------------------------------------------------------------

    @property
    def last_seq(self) -> int:
        with self._lock:
            return int(self._meta("last_seq") or 0)

    def refresh(self) -> int:
        """Index the journal records written since the last call; returns how many records were read.

        If the journal no longer holds the record the index stopped at (a restored or replaced file), the index is
        rebuilt from scratch: it must never describe another history than the journal's."""
        with self._lock:
            last_seq, last_hash = int(self._meta("last_seq") or 0), self._meta("last_hash") or ""
            head_seq, head_hash = self.journal.head()
            if head_seq == last_seq and head_hash.hex() == last_hash:
                return 0
            if last_seq:
                at = self.journal.get(last_seq) if head_seq >= last_seq else None
                if at is None or at.hash.hex() != last_hash:
                    log.warning("sales index does not match the journal at record %d: rebuilding it", last_seq)
                    return self.rebuild()
            return self._catch_up(last_seq)

    def rebuild(self) -> int:
        """Forget everything and index the whole journal again."""
        with self._lock:
            _reset(self._conn, self.journal.terminal_id)
            return self._catch_up(0)

    def _catch_up(self, after: int) -> int:
        read = 0
        batch: list[Record] = []
        for record in self.journal.records(after=after):
            batch.append(record)
            if len(batch) >= 500:
                read += self._apply(batch)
                batch = []
        if batch:
            read += self._apply(batch)
        return read

    def _apply(self, records: list[Record]) -> int:
        with transaction(self._conn) as conn:
            for record in records:
                if record.type in _INDEXED:
                    try:
                        self._index(conn, record)
                    except (DomainError, KeyError, TypeError, ValueError) as exc:
                        # a record the domain refuses to replay is reported, never fatal: the journal stays the truth
                        log.warning("sales index skips record %d (%s): %s", record.seq, record.type, exc)
            last = records[-1]
            conn.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                             [("last_seq", str(last.seq)), ("last_hash", last.hash.hex())])
        return len(records)

    def _index(self, conn: sqlite3.Connection, record: Record) -> None:
        payload = record.payload
        if record.type == "refund.requested":  # until its refund.completed: the bank may have paid it out
            conn.execute("INSERT OR REPLACE INTO refund_intents (refund_id, sale_id, seq, payload) VALUES (?, ?, ?, ?)",
                         (payload["refund_id"], payload["sale_id"], record.seq, record.payload_raw.decode()))
            return
        if record.type == "refund.completed":
            conn.execute("DELETE FROM refund_intents WHERE refund_id = ?", (payload["refund_id"],))
        if record.type == "sale.completed":
            self._store(conn, Sale.from_dict(payload), record, new=True)
        elif record.type in ("refund.completed", "sale.voided"):
            sale = self._load(conn, payload["sale_id"])
            if sale is None:
                raise KeyError(f"sale {payload['sale_id']} is not in the journal before this record")
            if record.type == "refund.completed":
                sale.apply_refund(Refund.from_dict(payload))
            else:
                sale.apply_void(Void.from_dict(payload))
            self._store(conn, sale, record, new=False)
        elif record.type == "auth.abandoned":
            conn.execute("INSERT OR REPLACE INTO abandoned (auth_id, seq, payload) VALUES (?, ?, ?)",
                         (payload["auth_id"], record.seq, record.payload_raw.decode()))
        else:  # auth.released
            conn.execute("DELETE FROM abandoned WHERE auth_id = ?", (payload["auth_id"],))

    def _store(self, conn: sqlite3.Connection, sale: Sale, record: Record, *, new: bool) -> None:
        data = json.dumps(sale.to_dict(), sort_keys=True, separators=(",", ":"))
        status, refunded = _status(sale), sale.refunded_total.amount
        if not new:
            conn.execute("UPDATE sales SET status = ?, refunded_minor = ?, data = ? WHERE sale_id = ?",
                         (status, refunded, data, sale.sale_id))
            return
        assert sale.completed_at is not None
        kinds = json.dumps(list(dict.fromkeys(str(t.kind) for t in sale.tenders)))
        last4s = json.dumps(list(dict.fromkeys(t.card_last4 for t in sale.tenders if t.card_last4)))
        conn.execute(
            "INSERT OR REPLACE INTO sales (sale_id, seq, recorded_at, completed_at, total_minor, currency, kinds, "
            "last4s, status, refunded_minor, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (sale.sale_id, record.seq, record.time_text, time_text(sale.completed_at), sale.total.amount,
             sale.currency, kinds, last4s, status, refunded, data))
        conn.execute("DELETE FROM sale_cards WHERE sale_id = ?", (sale.sale_id,))
        conn.executemany("INSERT OR IGNORE INTO sale_cards (last4, sale_id) VALUES (?, ?)",
                         [(last4, sale.sale_id) for last4 in json.loads(last4s)])

    def _load(self, conn: sqlite3.Connection, sale_id: str) -> Sale | None:
        row = conn.execute("SELECT data FROM sales WHERE sale_id = ?", (sale_id,)).fetchone()
        return None if row is None else Sale.from_dict(json.loads(row[0]))

    # --- questions ------------------------------------------------------------------------------------------------

    def find(self, sale_id: str) -> Sale | None:
        """The completed sale with its refunds and void applied, or None (not completed on this till)."""
        with self._lock:
            return self._load(self._conn, sale_id)

    def pending_refund(self, sale_id: str) -> dict[str, Any] | None:
        """The refund of this sale that was journalled as requested but never as completed (its payload), if any."""
        self.refresh()
        with self._lock:
            row = self._conn.execute("SELECT payload FROM refund_intents WHERE sale_id = ? ORDER BY seq LIMIT 1",
                                     (sale_id,)).fetchone()
        return None if row is None else json.loads(row[0])

    def recorded_at(self, sale_id: str) -> datetime | None:
        """When the sale's `sale.completed` record was written: the time the hub books the sale's business day by."""
        with self._lock:
            row = self._conn.execute("SELECT recorded_at FROM sales WHERE sale_id = ?", (sale_id,)).fetchone()
        return None if row is None else datetime.fromisoformat(row[0])

    def search(self, *, since: datetime | None = None, until: datetime | None = None, amount_minor: int | None = None,
               last4: str | None = None, limit: int = 20) -> list[SaleSummary]:
        """Completed sales matching every given filter, newest first. `since` <= completed at < `until`;
        `amount_minor` is the sale total; `last4` the last four digits of a card that paid part of it."""
        where, params = ["1 = 1"], []
        for bound, op in ((since, ">="), (until, "<")):
            if bound is not None:
                if bound.utcoffset() is None:
                    raise CheckoutError("Give the search times with a time zone.", code="search_time_zone")
                where.append(f"s.completed_at {op} ?")
                params.append(time_text(bound))
        if amount_minor is not None:
            if not isinstance(amount_minor, int) or isinstance(amount_minor, bool) or amount_minor < 0:
                raise CheckoutError("Enter the sale amount as a positive number.", code="search_amount_invalid")
            where.append("s.total_minor = ?")
            params.append(amount_minor)
        if last4 is not None:
            if not isinstance(last4, str) or not _LAST4.fullmatch(last4.strip()):
                raise CheckoutError("Enter exactly the last four digits of the card.", code="search_last4_invalid")
            where.append("s.sale_id IN (SELECT sale_id FROM sale_cards WHERE last4 = ?)")
            params.append(last4.strip())
        limit = max(1, min(int(limit), 200))
        sql = (f"SELECT sale_id, completed_at, total_minor, currency, kinds, last4s, status, refunded_minor "
               f"FROM sales s WHERE {' AND '.join(where)} ORDER BY s.completed_at DESC, s.seq DESC LIMIT ?")
        with self._lock:
            rows = self._conn.execute(sql, [*params, limit]).fetchall()
        return [SaleSummary(sale_id, datetime.fromisoformat(at), Money(total, currency),
                            tuple(TenderKind(k) for k in json.loads(kinds)), tuple(json.loads(last4s)), status,
                            Money(refunded, currency))
                for sale_id, at, total, currency, kinds, last4s, status, refunded in rows]

    def sale_id_from_receipt_code(self, text: object) -> str:
        """The sale a scanned receipt QR names; a clear error for a foreign, damaged or other till's code."""
        terminal_id, sale_id = parse_receipt_code(text)
        if terminal_id != self.journal.terminal_id:
            raise NotAReceiptCode(f"This receipt is from till {terminal_id}. Refund it at that till.",
                                  code="receipt_other_till", params={"till": terminal_id})
        return sale_id

    def pending_releases(self) -> list[dict[str, Any]]:
        """`auth.abandoned` payloads without a matching `auth.released`, oldest first."""
        with self._lock:
            rows = self._conn.execute("SELECT payload FROM abandoned ORDER BY seq").fetchall()
        return [json.loads(row[0]) for row in rows]

    # --- plumbing -------------------------------------------------------------------------------------------------

    def _meta(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]



_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sales (
    sale_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, recorded_at TEXT NOT NULL, completed_at TEXT NOT NULL,
    total_minor INTEGER NOT NULL, currency TEXT NOT NULL, kinds TEXT NOT NULL, last4s TEXT NOT NULL,
    status TEXT NOT NULL, refunded_minor INTEGER NOT NULL, data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sales_completed ON sales (completed_at);
CREATE INDEX IF NOT EXISTS sales_total ON sales (total_minor, completed_at);
CREATE TABLE IF NOT EXISTS sale_cards (last4 TEXT NOT NULL, sale_id TEXT NOT NULL, PRIMARY KEY (last4, sale_id));
CREATE TABLE IF NOT EXISTS abandoned (auth_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, payload TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS refund_intents (
    refund_id TEXT PRIMARY KEY, sale_id TEXT NOT NULL, seq INTEGER NOT NULL, payload TEXT NOT NULL
);
"""


def _reset(conn: sqlite3.Connection, terminal_id: str) -> None:
    """Empty tables of the current schema (dropped first: a file of an older layout is rebuilt, not migrated)."""
    with transaction(conn):
        for table in ("meta", "sales", "sale_cards", "abandoned", "refund_intents"):
            conn.execute(f"DROP TABLE IF EXISTS {table}")
        for statement in filter(str.strip, _SCHEMA.split(";")):
            conn.execute(statement)
        conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)",
                         [("version", SCHEMA_VERSION), ("terminal_id", terminal_id), ("last_seq", "0"),
                          ("last_hash", "")])
