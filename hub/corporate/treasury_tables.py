"""Tables of scheduled payments, the enterprise wallet, AML screening and FX use (hub migration 9), in the SQL both
SQLite and PostgreSQL accept. Money is BIGINT minor units, dates ISO text, times ISO UTC text (hub.schema).

A schedule's occurrence is a row keyed by (schedule, due date) with its own idempotency key: the row, the payout it
makes (a one-row approved batch in hub.corporate.tables) and the schedule's next date commit together, so no restart
or second hub makes an occurrence twice. Payee accounts are kept sealed and masked (hub.corporate.sealing); AML
compares payees by a keyed SM3 fingerprint of the account, never the number itself.
"""

from __future__ import annotations

MIGRATION: list[str] = [
    """CREATE TABLE corp_schedules (
        id TEXT PRIMARY KEY,
        merchant_id TEXT NOT NULL,
        payee_name TEXT NOT NULL,
        account_masked TEXT NOT NULL,
        account_sealed TEXT NOT NULL,
        bank_code TEXT NOT NULL,
        amount BIGINT NOT NULL CHECK (amount > 0),
        currency TEXT NOT NULL,
        reference TEXT NOT NULL,
        repeat TEXT NOT NULL CHECK (repeat IN ('once', 'monthly')),
        day_of_month INTEGER NOT NULL CHECK (day_of_month BETWEEN 1 AND 31),
        next_on TEXT,
        until_on TEXT,
        status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'done', 'cancelled', 'rejected')),
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        decided_by TEXT,
        decided_at TEXT
    )""",
    "CREATE INDEX corp_schedules_due ON corp_schedules (status, next_on)",
    """CREATE TABLE corp_occurrences (
        schedule_id TEXT NOT NULL REFERENCES corp_schedules (id),
        due_on TEXT NOT NULL,
        idem_key TEXT NOT NULL UNIQUE,
        payout_id TEXT,
        status TEXT NOT NULL CHECK (status IN ('due', 'paid', 'failed')),
        reason TEXT,
        run_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        done_at TEXT,
        PRIMARY KEY (schedule_id, due_on)
    )""",
    "CREATE INDEX corp_occurrences_status ON corp_occurrences (status, due_on)",
    """CREATE TABLE corp_wallets (
        merchant_id TEXT NOT NULL,
        currency TEXT NOT NULL,
        hot_account TEXT NOT NULL UNIQUE,
        cold_account TEXT NOT NULL UNIQUE,
        hot_cap BIGINT NOT NULL CHECK (hot_cap >= 0),
        hot_public_key TEXT NOT NULL,
        hot_key_sealed TEXT NOT NULL,
        cold_public_key TEXT NOT NULL,
        cold_key_sealed TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (merchant_id, currency)
    )""",
    """CREATE TABLE corp_wallet_moves (
        id TEXT PRIMARY KEY,
        merchant_id TEXT NOT NULL,
        currency TEXT NOT NULL,
        from_wallet TEXT NOT NULL CHECK (from_wallet IN ('hot', 'cold')),
        to_wallet TEXT NOT NULL CHECK (to_wallet IN ('hot', 'cold', 'bank')),
        amount BIGINT NOT NULL CHECK (amount > 0),
        reason TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'rejected')),
        requested_by TEXT NOT NULL,
        requested_at TEXT NOT NULL,
        decided_by TEXT,
        decided_at TEXT,
        signature TEXT
    )""",
    "CREATE INDEX corp_wallet_moves_merchant ON corp_wallet_moves (merchant_id, requested_at)",
    """CREATE TABLE corp_screened (
        ref TEXT PRIMARY KEY,
        merchant_id TEXT NOT NULL,
        payee_key TEXT NOT NULL,
        amount BIGINT NOT NULL,
        currency TEXT NOT NULL,
        just_under INTEGER NOT NULL,
        at TEXT NOT NULL
    )""",
    "CREATE INDEX corp_screened_payee ON corp_screened (merchant_id, payee_key, at)",
    """CREATE TABLE corp_alerts (
        id TEXT PRIMARY KEY,
        merchant_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('large', 'structuring')),
        ref TEXT NOT NULL,
        payee_key TEXT NOT NULL,
        payee_name TEXT NOT NULL,
        payee_shown TEXT NOT NULL,
        amount BIGINT NOT NULL,
        currency TEXT NOT NULL,
        detail TEXT NOT NULL,
        created_at TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
        resolved_by TEXT,
        resolved_at TEXT,
        comment TEXT,
        UNIQUE (kind, ref)
    )""",
    "CREATE INDEX corp_alerts_merchant ON corp_alerts (merchant_id, status, created_at)",
    """CREATE TABLE corp_fx (
        ref TEXT PRIMARY KEY,
        from_currency TEXT NOT NULL,
        to_currency TEXT NOT NULL,
        rate TEXT NOT NULL,
        rates_version BIGINT NOT NULL,
        rates_as_of TEXT NOT NULL,
        amount_from BIGINT NOT NULL,
        amount_to BIGINT NOT NULL,
        at TEXT NOT NULL
    )""",
]
