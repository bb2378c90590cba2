"""Enrolled terminals: the key each one signs with and how far the hub holds its journal chain."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime

from hub.accounts import merchant_accounts
from hub.backend import Tx
from hub.clock import iso
from hub.errors import Conflict, Unauthorized
from sync.chain import genesis_hash
from sync.crypto import Sm2PublicKey
from sync.protocol import EnrolRequest, EnrolResponse, enrolment_proof


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


def check_proof(secret: bytes, request: EnrolRequest) -> None:
    expected = enrolment_proof(secret, request.terminal_id, request.merchant_id, request.public_key)
    if not hmac.compare_digest(expected, request.proof):
        raise Unauthorized("the enrolment proof does not match the merchant's enrolment secret", code="bad_proof")


def enrol(tx: Tx, request: EnrolRequest, now: datetime) -> Terminal:
    """Register the terminal's key; the same key again is a no-op, another key for the same id is refused."""
    tx.lock_terminal(request.terminal_id)
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
