"""Enrolled terminals: the key each one signs with and how far the hub holds its journal chain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub import enrol_codes
from hub.accounts import merchant_accounts
from hub.backend import Tx
from hub.clock import iso
from hub.errors import Conflict
from sync.chain import genesis_hash
from sync.crypto import Sm2PublicKey
from sync.protocol import MAX_BATCH, EnrolRequest, EnrolResponse, JournalCopy, WireRecord


@dataclass(frozen=True, slots=True)
class Terminal:
    id: str
    merchant_id: str
    public_key: bytes
    enrolled_at: str
    last_seq: int
    last_hash: str  # hex; '' before the first record

    @property
    def chain_head(self) -> bytes:
        """The hash the next record must link to."""
        return bytes.fromhex(self.last_hash) if self.last_hash else genesis_hash(self.id, self.public_key)

    def verifier(self) -> Sm2PublicKey:
        return _verifier(self.public_key)

    def enrolment(self) -> EnrolResponse:
        return EnrolResponse(terminal_id=self.id, merchant_id=self.merchant_id,
                             enrolled_at=datetime.fromisoformat(self.enrolled_at), last_seq=self.last_seq,
                             last_hash=self.last_hash)


_KEYS: dict[bytes, Sm2PublicKey] = {}


def _verifier(public_key: bytes) -> Sm2PublicKey:
    """Loading a key costs more than a verify: keep one per key (a few thousand terminals at most)."""
    key = _KEYS.get(public_key)
    if key is None:
        key = _KEYS[public_key] = Sm2PublicKey(public_key)
    return key


def load_terminal(tx: Tx, terminal_id: str) -> Terminal | None:
    row = tx.one("SELECT id, merchant_id, public_key, enrolled_at, last_seq, last_hash FROM terminals WHERE id = ?",
                 (terminal_id,))
    if row is None:
        return None
    return Terminal(row[0], row[1], bytes.fromhex(row[2]), row[3], row[4], row[5])


def enrol(tx: Tx, request: EnrolRequest, now: datetime) -> Terminal:
    """Spend the request's enrolment code and register the terminal's key; the same key and merchant again is a
    no-op (a retry, or a terminal re-enrolled with a fresh code), another key or merchant for the id is refused."""
    tx.lock_terminal(request.terminal_id)
    enrol_codes.redeem(tx, request, now)
    existing = load_terminal(tx, request.terminal_id)
    if existing is not None:
        if existing.public_key.hex() != request.public_key or existing.merchant_id != request.merchant_id:
            raise Conflict(f"terminal {request.terminal_id} is already enrolled with another key or merchant; "
                           "retire it on the hub before enrolling a replacement", code="already_enrolled")
        return existing
    tx.run("INSERT INTO terminals (id, merchant_id, public_key, enrolled_at) VALUES (?, ?, ?, ?)",
           (request.terminal_id, request.merchant_id, request.public_key, iso(now)))
    tx.many("INSERT INTO accounts (name, merchant_id, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
            [(name, request.merchant_id, iso(now)) for name in merchant_accounts(request.merchant_id)])
    terminal = load_terminal(tx, request.terminal_id)
    assert terminal is not None
    return terminal



class TerminalCache:
    """Enrolled terminals' identities for signature checks: a cache hit costs no thread hop and no database work
    (see Store.identity: a key never changes after enrolment, another key for the id is refused)."""

    def __init__(self, store: Any) -> None:
        self._store = store

    async def get(self, terminal_id: str) -> Terminal | None:
        terminal = self._store.cached_identity(terminal_id)
        if terminal is None:
            from fastapi.concurrency import run_in_threadpool

            terminal = await run_in_threadpool(self._store.identity, terminal_id)
        return terminal


def journal_copy(tx: Tx, terminal: Terminal, after: int) -> JournalCopy:
    """The records the hub holds from this terminal after seq `after` (byte for byte as signed), and its head."""
    rows = tx.all("SELECT seq, time, type, payload, secret, prev_hash, hash, signature FROM records "
                  "WHERE terminal_id = ? AND seq > ? ORDER BY seq LIMIT ?", (terminal.id, after, MAX_BATCH))
    records = [WireRecord(seq=r[0], terminal_id=terminal.id, time=r[1], type=r[2], payload=r[3], secret=r[4],
                          prev_hash=r[5], hash=r[6], signature=r[7]) for r in rows]
    return JournalCopy(records=records, last_seq=terminal.last_seq, last_hash=terminal.last_hash)
