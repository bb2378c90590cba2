"""Tables of supplier batches (hub migration 8): the batch, its approvals and one payout row per file row, in the SQL
both SQLite and PostgreSQL accept. Money is BIGINT minor units, dates ISO text, times ISO UTC text (hub.schema).

The payee's full account number is kept only sealed (SM4-GCM inside AES-GCM, hub.corporate.sealing); pages, files and
logs show `account_masked`; duplicate checks compare `dup_key`, a keyed SM3 of payee, account, amount and reference.
Each payout has its own idempotency key: its ledger transfer is `corp:<key>`, booked in the transaction that marks
the row paid, so a row is paid once whatever crashes.
"""

from __future__ import annotations

MIGRATION: list[str] = [
    """CREATE TABLE corp_batches (
        id TEXT PRIMARY KEY,
        merchant_id TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('submitted', 'approved', 'rejected', 'done')),
        file_name TEXT NOT NULL,
        file_sm3 TEXT NOT NULL,
        rail TEXT NOT NULL,
        rows_total INTEGER NOT NULL,
        totals TEXT NOT NULL,
        errors TEXT NOT NULL,
        approvals_needed INTEGER NOT NULL,
        submitted_by TEXT NOT NULL,
        submitted_at TEXT NOT NULL,
        decided_at TEXT,
        reason TEXT
    )""",
    "CREATE INDEX corp_batches_merchant ON corp_batches (merchant_id, submitted_at)",
    """CREATE TABLE corp_approvals (
        batch_id TEXT NOT NULL REFERENCES corp_batches (id),
        approver TEXT NOT NULL,
        decision TEXT NOT NULL CHECK (decision IN ('approve', 'reject')),
        at TEXT NOT NULL,
        PRIMARY KEY (batch_id, approver)
    )""",
    """CREATE TABLE corp_payouts (
        id TEXT PRIMARY KEY,
        merchant_id TEXT NOT NULL,
        batch_id TEXT NOT NULL REFERENCES corp_batches (id),
        row_no INTEGER NOT NULL,
        payee_name TEXT NOT NULL,
        account_masked TEXT NOT NULL,
        account_sealed TEXT NOT NULL,
        dup_key TEXT NOT NULL,
        bank_code TEXT NOT NULL,
        amount BIGINT NOT NULL CHECK (amount > 0),
        currency TEXT NOT NULL,
        reference TEXT NOT NULL,
        pay_on TEXT,
        rail TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('awaiting_approval', 'rejected', 'due', 'scheduled', 'paid',
                                              'failed')),
        reason TEXT,
        idem_key TEXT NOT NULL UNIQUE,
        transfer_id TEXT,
        paid_at TEXT,
        created_at TEXT NOT NULL,
        UNIQUE (batch_id, row_no)
    )""",
    "CREATE INDEX corp_payouts_due ON corp_payouts (status, pay_on)",
    "CREATE INDEX corp_payouts_dup ON corp_payouts (merchant_id, dup_key, status)",
]
