"""The enterprise wallet: per merchant and currency a hot wallet (daily takings) and a cold one (large sums).

Takings land in hot: for the CBDC's currency the hot wallet IS the merchant CBDC wallet (hub.cbdc), so every online
or offline digital-currency payment credits it; above the hot cap the excess sweeps to cold in the same transaction
(hub.cbdc.ledger.sweep). Moves out of hot are immediate; any move out of cold is a request (maker) that another
person approves (checker) before it books, and the cold wallet's key signs it then. Each wallet's SM2 key is kept
in the database sealed with SM4-GCM inside AES-GCM (hub.cbdc.operator.sealing_envelope), like the issuer key.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from hub.backend import Tx
from hub.cbdc import ledger as L
from hub.cbdc.api import ISSUER_SECRET_ENV
from hub.cbdc.operator import sealing_envelope
from hub.clock import iso
from hub.corporate.settings import TreasuryConfig
from hub.errors import HubError, NotFound
from sync.crypto import CryptoError, Envelope, Sm2PrivateKey, sm3
from sync.protocol import ISO_4217

WalletKind = Literal["hot", "cold"]
Destination = Literal["hot", "cold", "bank"]
SEAL_PURPOSE = "corp-wallet"
CBDC_CURRENCY = L.default_config().currency


class WalletError(HubError):
    """A wallet move that cannot be made (code says why: no_wallet, insufficient_funds, move_same_person...)."""

    status = 409


@dataclass(frozen=True, slots=True)
class WalletBalance:
    currency: str
    hot: int
    cold: int
    hot_cap: int
    pending_out: int  # cold moves waiting for a second person


@dataclass(frozen=True, slots=True)
class Move:
    id: str
    currency: str
    from_wallet: str
    to_wallet: str
    amount: int
    reason: str
    status: str
    requested_by: str
    requested_at: str
    decided_by: str | None
    decided_at: str | None
    signed: bool


def sealing_secret(admin_token: str) -> str:
    """The hub's sealing secret: $EDGEPOS_CBDC_ISSUER_SECRET, else the admin token (as for the issuer key)."""
    return os.environ.get(ISSUER_SECRET_ENV) or admin_token


def envelope(secret: bytes) -> Envelope:
    """The envelope sealing wallet keys, from the hub's sealing secret (the CBDC issuer's)."""
    return sealing_envelope(secret, SEAL_PURPOSE)


def hot_account(merchant_id: str, currency: str) -> str:
    return L.merchant_wallet(merchant_id) if currency == CBDC_CURRENCY else f"corp:hot:{merchant_id}:{currency}"


def cold_account(merchant_id: str, currency: str) -> str:
    return f"corp:cold:{merchant_id}:{currency}"


def _aad(merchant_id: str, currency: str, kind: WalletKind) -> bytes:
    return f"corp-wallet:{merchant_id}:{currency}:{kind}".encode()


def open_wallet(tx: Tx, merchant_id: str, currency: str, seal: Envelope, config: TreasuryConfig,
                now: datetime) -> bool:
    """Give the merchant a hot and a cold wallet in `currency` (new SM2 keys, sealed); False if it had them."""
    if currency not in ISO_4217:
        raise HubError(f"{currency!r} is not an ISO 4217 currency code", code="bad_currency")
    tx.lock_name(f"corp-wallet:{merchant_id}:{currency}")
    if tx.one("SELECT 1 FROM corp_wallets WHERE merchant_id = ? AND currency = ?", (merchant_id, currency)):
        return False
    hot, cold = Sm2PrivateKey.generate(), Sm2PrivateKey.generate()
    tx.run("INSERT INTO corp_wallets (merchant_id, currency, hot_account, cold_account, hot_cap, hot_public_key, "
           "hot_key_sealed, cold_public_key, cold_key_sealed, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
           (merchant_id, currency, hot_account(merchant_id, currency), cold_account(merchant_id, currency),
            config.hot_cap(currency), hot.public_key().hex(),
            seal.seal(hot.private_bytes(), _aad(merchant_id, currency, "hot")).hex(), cold.public_key().hex(),
            seal.seal(cold.private_bytes(), _aad(merchant_id, currency, "cold")).hex(), iso(now)))
    L.ensure_accounts(tx, [hot_account(merchant_id, currency), cold_account(merchant_id, currency)], merchant_id,
                      now)
    return True


def wallet_key(tx: Tx, merchant_id: str, currency: str, kind: WalletKind, seal: Envelope) -> Sm2PrivateKey:
    """A wallet's signing key, opened from its sealed form (only to sign a move, never shown or logged)."""
    column = "hot_key_sealed" if kind == "hot" else "cold_key_sealed"
    row = tx.one(f"SELECT {column} FROM corp_wallets WHERE merchant_id = ? AND currency = ?", (merchant_id, currency))
    if row is None:
        raise NotFound(f"merchant {merchant_id} has no enterprise wallet in {currency}", code="no_wallet")
    try:
        return Sm2PrivateKey(seal.open(bytes.fromhex(row[0]), _aad(merchant_id, currency, kind)))
    except CryptoError:
        raise HubError("the wallet key cannot be opened with this hub's sealing secret (set "
                       "EDGEPOS_CBDC_ISSUER_SECRET, or the admin token, it was sealed with)",
                       code="wallet_key_sealed") from None


def set_cap(tx: Tx, merchant_id: str, currency: str, cap: int) -> None:
    if cap < 0 or not tx.run("UPDATE corp_wallets SET hot_cap = ? WHERE merchant_id = ? AND currency = ?",
                             (cap, merchant_id, currency)):
        raise NotFound(f"merchant {merchant_id} has no enterprise wallet in {currency}", code="no_wallet")


def held(tx: Tx, account: str) -> int:
    """What a wallet account holds (a wallet is a liability: minus its postings' sum)."""
    return -L.balance(tx, account)


def balances(tx: Tx, merchant_id: str) -> list[WalletBalance]:
    rows = tx.all("SELECT currency, hot_account, cold_account, hot_cap FROM corp_wallets WHERE merchant_id = ? "
                  "ORDER BY currency", (merchant_id,))
    pending = dict(tx.all("SELECT currency, sum(amount) FROM corp_wallet_moves WHERE merchant_id = ? AND "
                          "status = 'pending' GROUP BY currency", (merchant_id,)))
    return [WalletBalance(currency, held(tx, hot), held(tx, cold), int(cap), int(pending.get(currency) or 0))
            for currency, hot, cold, cap in rows]


def sweep(tx: Tx, merchant_id: str, currency: str, now: datetime) -> int:
    """Sweep the hot wallet's excess above its cap to cold now (takings in the CBDC sweep as they land)."""
    _wallet(tx, merchant_id, currency)
    tx.lock_name(f"corp-wallet:{merchant_id}:{currency}")
    return L.sweep(tx, merchant_id, 0, currency, now, hot=hot_account(merchant_id, currency))


def sweep_all(tx: Tx, now: datetime) -> int:
    """Every enterprise wallet's sweep (the scheduler's tick): returns how many wallets moved money."""
    moved = 0
    for merchant_id, currency in tx.all("SELECT merchant_id, currency FROM corp_wallets ORDER BY 1, 2"):
        moved += sweep(tx, merchant_id, currency, now) > 0
    return moved


def deposit(tx: Tx, merchant_id: str, currency: str, amount: int, reference: str, now: datetime) -> None:
    """Money received into the hot wallet from the merchant's bank (a top-up); then the cap applies."""
    _wallet(tx, merchant_id, currency)
    if amount <= 0:
        raise HubError("a deposit is a positive amount", code="bad_amount")
    L.ensure_accounts(tx, [L.bank_account(merchant_id)], merchant_id, now)
    L.book(tx, L.movement("corp_wallet_deposit", f"corp:D{uuid.uuid4().hex[:24]}", debit=L.bank_account(merchant_id),
                          credit=hot_account(merchant_id, currency), amount=amount, currency=currency, now=now,
                          merchant_id=merchant_id, ref=reference[:100]))
    sweep(tx, merchant_id, currency, now)


def request_move(tx: Tx, merchant_id: str, currency: str, source: WalletKind, target: Destination, amount: int,
                 reason: str, actor: str, seal: Envelope, now: datetime) -> Move:
    """A move between the merchant's wallets or to its bank account. Out of hot: booked at once. Out of cold: a
    pending request another person approves (`decide`)."""
    _wallet(tx, merchant_id, currency)
    if source == target or source not in ("hot", "cold") or target not in ("hot", "cold", "bank"):
        raise HubError("move from hot or cold to another wallet or the bank", code="bad_move")
    if amount <= 0:
        raise HubError("a move is a positive amount", code="bad_amount")
    if not reason.strip():
        raise HubError("say why the money moves (a reason)", code="missing_reason")
    move_id = f"WM{uuid.uuid4().hex[:20].upper()}"
    tx.run("INSERT INTO corp_wallet_moves (id, merchant_id, currency, from_wallet, to_wallet, amount, reason, status, "
           "requested_by, requested_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
           (move_id, merchant_id, currency, source, target, amount, reason.strip()[:200], actor, iso(now)))
    if source == "hot":
        _execute(tx, move_id, actor, seal, now)
    return load_move(tx, merchant_id, move_id)


def decide(tx: Tx, merchant_id: str, move_id: str, approve: bool, actor: str, seal: Envelope,
           now: datetime) -> Move:
    """The checker's decision on a pending move out of cold: never by the person who asked for it."""
    tx.lock_name(f"corp-move:{move_id}")
    move = load_move(tx, merchant_id, move_id)
    if move.status != "pending":
        raise WalletError(f"move {move_id} is {move.status} already", code="decided_already")
    if move.requested_by == actor:
        raise WalletError("a move out of cold needs a second person: you asked for this one, another user must "
                          "approve it", code="move_same_person")
    if approve:
        _execute(tx, move_id, actor, seal, now)
    else:
        tx.run("UPDATE corp_wallet_moves SET status = 'rejected', decided_by = ?, decided_at = ? WHERE id = ?",
               (actor, iso(now), move_id))
    return load_move(tx, merchant_id, move_id)


def _execute(tx: Tx, move_id: str, actor: str, seal: Envelope, now: datetime) -> None:
    row = tx.one("SELECT merchant_id, currency, from_wallet, to_wallet, amount FROM corp_wallet_moves WHERE id = ?",
                 (move_id,))
    assert row is not None
    merchant_id, currency, source, target, amount = row[0], row[1], row[2], row[3], int(row[4])
    tx.lock_name(f"corp-wallet:{merchant_id}:{currency}")
    accounts = {"hot": hot_account(merchant_id, currency), "cold": cold_account(merchant_id, currency),
                "bank": L.bank_account(merchant_id)}
    if held(tx, accounts[source]) < amount:
        raise WalletError(f"the {source} wallet holds less than {amount} {currency} minor units",
                          code="insufficient_funds")
    statement = json.dumps({"move": move_id, "merchant": merchant_id, "currency": currency, "from": source,
                            "to": target, "amount": amount, "approved_by": actor, "at": iso(now)}, sort_keys=True)
    signature = wallet_key(tx, merchant_id, currency, source, seal).sign(statement.encode())
    L.ensure_accounts(tx, [accounts[target]], merchant_id, now)
    L.book(tx, L.movement("corp_wallet_move", f"corp:{move_id}", debit=accounts[source], credit=accounts[target],
                          amount=amount, currency=currency, now=now, merchant_id=merchant_id, ref=move_id))
    tx.run("UPDATE corp_wallet_moves SET status = 'done', decided_by = ?, decided_at = ?, signature = ? WHERE id = ?",
           (actor, iso(now), json.dumps({"statement": statement, "sm2": signature.hex(),
                                         "sm3": sm3(statement.encode()).hex()}), move_id))


def load_move(tx: Tx, merchant_id: str, move_id: str) -> Move:
    row = tx.one("SELECT id, currency, from_wallet, to_wallet, amount, reason, status, requested_by, requested_at, "
                 "decided_by, decided_at, signature FROM corp_wallet_moves WHERE id = ? AND merchant_id = ?",
                 (move_id, merchant_id))
    if row is None:
        raise NotFound(f"no wallet move {move_id}", code="no_move")
    return Move(*row[:4], int(row[4]), *row[5:11], signed=row[11] is not None)


def moves(tx: Tx, merchant_id: str, limit: int = 200) -> list[Move]:
    ids = tx.all("SELECT id FROM corp_wallet_moves WHERE merchant_id = ? ORDER BY requested_at DESC, id LIMIT ?",
                 (merchant_id, limit))
    return [load_move(tx, merchant_id, r[0]) for r in ids]


def _wallet(tx: Tx, merchant_id: str, currency: str) -> None:
    if not tx.one("SELECT 1 FROM corp_wallets WHERE merchant_id = ? AND currency = ?", (merchant_id, currency)):
        raise NotFound(f"merchant {merchant_id} has no enterprise wallet in {currency} (open it: edgepos hub "
                       "wallet open)", code="no_wallet")

