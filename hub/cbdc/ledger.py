"""CBDC accounts on the hub's double-entry ledger, their running balances, config (tiers and limits from
tiers.toml) and the exception records the back office lists.

Account names: `cbdc:issuance` (the central bank's issued money, a negative balance), `cbdc:wallet:<no>` (a
customer wallet; its balance is minus its postings' sum, a liability), `cbdc:device:<id>` (offline value loaded
into a hard wallet), `cbdc:merchant:<id>` (the merchant wallet) and `cbdc:bank:<id>` (its linked bank account, what
sweeps move out). Every movement is one balanced hub.ledger.Transfer; `cbdc_balances` keeps each account's sum in the
same transaction so limits are checked without summing history.
"""

from __future__ import annotations

import functools
import json
import os
import tomllib
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from hub.backend import Tx
from hub.clock import business_day, iso
from hub.ledger import Transfer, Writes

ISSUANCE = "cbdc:issuance"
DEFAULT_TIERS = Path(__file__).with_name("tiers.toml")
TIERS_ENV = "EDGEPOS_CBDC_TIERS"  # a site's own tiers file
EXCEPTION_DOUBLE_SPEND = "cbdc_double_spend"


def wallet_account(wallet_no: str) -> str:
    return f"cbdc:wallet:{wallet_no}"


def device_account(device_hex: str) -> str:
    return f"cbdc:device:{device_hex}"


def merchant_wallet(merchant_id: str) -> str:
    return f"cbdc:merchant:{merchant_id}"


def bank_account(merchant_id: str) -> str:
    return f"cbdc:bank:{merchant_id}"


def device_token(device_hex: str) -> str:
    """A hard wallet as it appears on the blacklist every till pulls (the revocation list)."""
    return f"tk_{device_hex}"


@dataclass(frozen=True, slots=True)
class Tier:
    name: str
    per_payment: int
    per_day: int
    balance: int


@dataclass(frozen=True, slots=True)
class CbdcConfig:
    currency: str
    tiers: dict[str, Tier]
    max_offline_balance: int
    sweep_cap: int
    order_ttl_s: int
    code_max_ttl_s: int

    @classmethod
    def load(cls, path: Path | None = None) -> CbdcConfig:
        """The tiers and limits from a TOML file: `path`, else $EDGEPOS_CBDC_TIERS, else hub/cbdc/tiers.toml; a bad
        file is a clear error."""
        where = path or Path(os.environ.get(TIERS_ENV) or DEFAULT_TIERS)
        try:
            data = tomllib.loads(where.read_text(encoding="utf-8"))
            tiers = {name: Tier(name, int(t["per_payment"]), int(t["per_day"]), int(t["balance"]))
                     for name, t in data["tiers"].items()}
            return cls(str(data["currency"]), tiers, int(data["hard_wallet"]["max_offline_balance"]),
                       int(data["merchant"]["sweep_cap"]), int(data["orders"]["ttl_s"]),
                       int(data["codes"]["max_ttl_s"]))
        except (OSError, KeyError, TypeError, ValueError, tomllib.TOMLDecodeError) as exc:
            raise ValueError(f"{where}: not a valid CBDC tiers file ({exc})") from None


@functools.cache
def default_config() -> CbdcConfig:
    """The tiers file shipped with the hub (offline settlement's default sweep cap)."""
    return CbdcConfig.load()


def ensure_accounts(tx: Tx, names: list[str], merchant_id: str | None, now: datetime) -> None:
    tx.many("INSERT INTO accounts (name, merchant_id, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
            [(name, merchant_id, iso(now)) for name in names])


def balance(tx: Tx, account: str) -> int:
    """The sum of the account's posted postings (debits positive): a wallet holds minus this."""
    row = tx.one("SELECT balance FROM cbdc_balances WHERE account = ?", (account,))
    return int(row[0]) if row else 0


def book(tx: Tx, transfer: Transfer) -> None:
    """Write one balanced transfer and move the running balances with it."""
    writes = Writes()
    writes.add(transfer)  # refuses an unbalanced one
    writes.flush(tx)
    sums: dict[str, int] = {}
    for posting in transfer.postings:
        sums[posting.account] = sums.get(posting.account, 0) + posting.amount
    tx.many("INSERT INTO cbdc_balances (account, balance) VALUES (?, ?) ON CONFLICT (account) DO UPDATE SET "
            "balance = cbdc_balances.balance + excluded.balance", sorted(sums.items()))


def movement(kind: str, transfer_id: str, *, debit: str, credit: str, amount: int, currency: str, now: datetime,
             terminal_id: str = "-", merchant_id: str = "-", sale_id: str | None = None,
             ref: str | None = None) -> Transfer:
    transfer = Transfer(transfer_id, kind, "posted", terminal_id, merchant_id, business_day(now), iso(now),
                        sale_id=sale_id, ref=ref)
    transfer.move(debit, credit, currency, amount, None)
    return transfer


def sweep(tx: Tx, merchant_id: str, default_cap: int, currency: str, now: datetime, hot: str | None = None) -> int:
    """Move the merchant wallet's excess above its cap out (the caller's transaction); returns the amount swept.

    A merchant with an enterprise wallet in `currency` (hub.corporate.wallet: a `corp_wallets` row) sweeps to its
    cold wallet at the hot wallet's cap; any other to its linked bank account. `hot` names the hot wallet's account
    for a currency other than the CBDC's (default: the merchant CBDC wallet)."""
    hot = hot or merchant_wallet(merchant_id)
    vault = tx.one("SELECT cold_account, hot_cap FROM corp_wallets WHERE merchant_id = ? AND currency = ?",
                   (merchant_id, currency))
    if vault is not None:
        target, cap, ref = vault[0], int(vault[1]), "cold wallet"
    else:
        row = tx.one("SELECT bank_account, sweep_cap FROM cbdc_merchants WHERE merchant_id = ?", (merchant_id,))
        cap = default_cap if row is None or row[1] is None else int(row[1])
        target, ref = bank_account(merchant_id), row[0] if row else "no bank account linked"
    excess = -balance(tx, hot) - cap
    if excess <= 0:
        return 0
    sweep_id = f"CBS{uuid.uuid4().hex[:24].upper()}"
    ensure_accounts(tx, [target], merchant_id, now)
    book(tx, movement("cbdc_sweep", f"cbdc:{sweep_id}", debit=hot, credit=target, amount=excess, currency=currency,
                      now=now, merchant_id=merchant_id, ref=ref))
    if hot == merchant_wallet(merchant_id):  # the CBDC statement's sweeps
        tx.run("INSERT INTO cbdc_payments (id, kind, status, amount, currency, merchant_id, ref, business_day, "
               "created_at) VALUES (?, 'sweep', 'settled', ?, ?, ?, ?, ?, ?)",
               (sweep_id, excess, currency, merchant_id, ref, business_day(now), iso(now)))
    if vault is not None:  # the enterprise wallet's own history
        tx.run("INSERT INTO corp_wallet_moves (id, merchant_id, currency, from_wallet, to_wallet, amount, reason, "
               "status, requested_by, requested_at, decided_by, decided_at) "
               "VALUES (?, ?, ?, 'hot', 'cold', ?, 'sweep above the hot cap', 'done', 'system', ?, 'system', ?)",
               (sweep_id, merchant_id, currency, excess, iso(now), iso(now)))
    return excess


def record_exception(tx: Tx, kind: str, merchant_id: str, terminal_id: str | None, ref: str | None,
                     detail: dict[str, str | int | None], now: datetime) -> str:
    """One exception record for the back office (kind + detail); `ref` makes it unique per thing it is about."""
    ident = f"X{uuid.uuid4().hex[:24].upper()}"
    tx.run("INSERT INTO exceptions (id, kind, merchant_id, terminal_id, ref, detail, created_at) "
           "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, ref) DO NOTHING",
           (ident, kind, merchant_id, terminal_id, ref, json.dumps(detail, sort_keys=True), iso(now)))
    return ident


MIGRATION: list[str] = [
    """CREATE TABLE cbdc_issuer (
        id INTEGER PRIMARY KEY,
        public_key TEXT NOT NULL,
        private_sealed TEXT NOT NULL,
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE cbdc_wallets (
        wallet_no TEXT PRIMARY KEY,
        tier TEXT NOT NULL,
        currency TEXT NOT NULL,
        public_key TEXT NOT NULL,
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE cbdc_devices (
        device_id TEXT PRIMARY KEY,
        wallet_no TEXT NOT NULL REFERENCES cbdc_wallets (wallet_no),
        public_key TEXT NOT NULL,
        cert TEXT NOT NULL,
        loaded BIGINT NOT NULL DEFAULT 0,
        settled BIGINT NOT NULL DEFAULT 0,
        load_no INTEGER NOT NULL DEFAULT 0,
        revoked_at TEXT,
        revoked_reason TEXT,
        created_at TEXT NOT NULL
    )""",
    "CREATE TABLE cbdc_codes (nonce TEXT PRIMARY KEY, wallet_no TEXT NOT NULL, used_at TEXT NOT NULL)",
    """CREATE TABLE cbdc_payments (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('online', 'offline', 'refund', 'sweep')),
        status TEXT NOT NULL,
        wallet_no TEXT,
        device_id TEXT,
        counter BIGINT,
        amount BIGINT NOT NULL,
        currency TEXT NOT NULL,
        merchant_id TEXT NOT NULL,
        terminal_id TEXT,
        sale_id TEXT,
        ref TEXT,
        refunded BIGINT NOT NULL DEFAULT 0,
        detail TEXT,
        business_day TEXT NOT NULL,
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX cbdc_payments_device ON cbdc_payments (device_id, counter)",
    "CREATE INDEX cbdc_payments_merchant_day ON cbdc_payments (merchant_id, business_day)",
    "CREATE INDEX cbdc_payments_wallet_day ON cbdc_payments (wallet_no, business_day)",
    """CREATE TABLE cbdc_orders (
        order_id TEXT PRIMARY KEY,
        merchant_id TEXT NOT NULL,
        terminal_id TEXT NOT NULL,
        sale_id TEXT NOT NULL,
        amount BIGINT NOT NULL,
        currency TEXT NOT NULL,
        status TEXT NOT NULL,
        payment_id TEXT,
        wallet_no TEXT,
        expires_at TEXT NOT NULL,
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE cbdc_merchants (
        merchant_id TEXT PRIMARY KEY,
        bank_account TEXT NOT NULL,
        sweep_cap BIGINT
    )""",
    "CREATE TABLE cbdc_balances (account TEXT PRIMARY KEY, balance BIGINT NOT NULL)",
    """CREATE TABLE exceptions (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        merchant_id TEXT NOT NULL,
        terminal_id TEXT,
        ref TEXT,
        detail TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (kind, ref)
    )""",
    "CREATE INDEX exceptions_merchant ON exceptions (merchant_id, created_at)",
]
