"""The back office's tables (hub migration 4), in the SQL both SQLite and PostgreSQL accept.

Passwords are stored as argon2id hashes only; sessions by the SM3 of their cookie value (a stolen database holds no
usable session); PDFs as base64 text (one column type on both databases). No table holds card data.
"""

from __future__ import annotations

BACKOFFICE_TABLES: list[str] = [
    """CREATE TABLE bo_users (
        name TEXT PRIMARY KEY,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('manager', 'finance', 'auditor', 'admin')),
        merchant_id TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE bo_sessions (
        id_hash TEXT PRIMARY KEY,
        user_name TEXT NOT NULL REFERENCES bo_users (name),
        csrf TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    )""",
    """CREATE TABLE bo_actions (
        id TEXT PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        merchant_id TEXT,
        action TEXT NOT NULL,
        detail TEXT NOT NULL
    )""",
    "CREATE INDEX bo_actions_at ON bo_actions (at)",
    """CREATE TABLE bo_resolutions (
        terminal_id TEXT NOT NULL,
        seq BIGINT NOT NULL,
        resolved_by TEXT NOT NULL,
        resolved_at TEXT NOT NULL,
        note TEXT NOT NULL,
        PRIMARY KEY (terminal_id, seq)
    )""",
    """CREATE TABLE bo_invoices (
        number TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
        merchant_id TEXT NOT NULL,
        terminal_id TEXT NOT NULL,
        sale_id TEXT NOT NULL,
        refund_id TEXT NOT NULL,
        credits TEXT,
        buyer_name TEXT NOT NULL,
        buyer_tax_id TEXT NOT NULL,
        email TEXT,
        currency TEXT NOT NULL,
        total BIGINT NOT NULL,
        tax BIGINT NOT NULL,
        issued_at TEXT NOT NULL,
        sm3 TEXT NOT NULL,
        signature TEXT NOT NULL,
        pdf TEXT NOT NULL,
        sent_count INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (merchant_id, number),
        UNIQUE (terminal_id, sale_id, refund_id)
    )""",
    "CREATE INDEX bo_invoices_merchant ON bo_invoices (merchant_id, issued_at)",
    """CREATE TABLE bo_outbox (
        id TEXT PRIMARY KEY,
        at TEXT NOT NULL,
        recipient TEXT NOT NULL,
        subject TEXT NOT NULL,
        attachment TEXT NOT NULL
    )""",
    """CREATE TABLE hub_keys (
        name TEXT PRIMARY KEY,
        private_key TEXT NOT NULL,
        public_key TEXT NOT NULL,
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE bo_archives (
        name TEXT PRIMARY KEY,
        day_from TEXT NOT NULL,
        day_to TEXT NOT NULL,
        sm3 TEXT NOT NULL,
        created_at TEXT NOT NULL
    )""",
]
