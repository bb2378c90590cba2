"""The hub's tables, as numbered migrations written in the SQL both SQLite and PostgreSQL accept.

Money is BIGINT minor units; times are ISO 8601 UTC text (sorts in time order in both databases); hashes, keys and
signatures are lower-case hex, payloads the exact signed JSON text, so the hub keeps every record byte for byte.
A migration runs inside one transaction with its `schema_version` row, so a crash leaves it applied or not at all.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from hub.accounts import SYSTEM_ACCOUNTS
from hub.backoffice.tables import BACKOFFICE_TABLES
from hub.cbdc.ledger import ISSUANCE
from hub.cbdc.ledger import MIGRATION as CBDC_MIGRATION
from hub.corporate.tables import MIGRATION as CORPORATE_MIGRATION
from hub.corporate.treasury_tables import MIGRATION as TREASURY_MIGRATION
from hub.risk_loop import DECISIONS_MIGRATION as RISK_DECISIONS_MIGRATION
from hub.risk_loop import MIGRATION as RISK_LOOP_MIGRATION
from hub.sharding import MIGRATION as SHARDING_MIGRATION
from hub.sharding import PostgresOnly

if TYPE_CHECKING:
    from hub.backend import Backend

MIGRATIONS: list[list[str]] = [
    [  # 1: terminals, their journal copies, the double-entry ledger, holds, idempotency, downstream data
        """CREATE TABLE terminals (
            id TEXT PRIMARY KEY,
            merchant_id TEXT NOT NULL,
            public_key TEXT NOT NULL,
            enrolled_at TEXT NOT NULL,
            last_seq BIGINT NOT NULL DEFAULT 0,
            last_hash TEXT NOT NULL DEFAULT ''
        )""",
        """CREATE TABLE records (
            terminal_id TEXT NOT NULL REFERENCES terminals (id),
            seq BIGINT NOT NULL,
            time TEXT NOT NULL,
            type TEXT NOT NULL,
            payload TEXT NOT NULL,
            secret TEXT,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL,
            signature TEXT NOT NULL,
            status TEXT NOT NULL,
            code TEXT,
            received_at TEXT NOT NULL,
            PRIMARY KEY (terminal_id, seq)
        )""",
        """CREATE TABLE accounts (
            name TEXT PRIMARY KEY,
            merchant_id TEXT,
            created_at TEXT NOT NULL
        )""",
        """CREATE TABLE transfers (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('pending', 'posted', 'voided')),
            terminal_id TEXT NOT NULL,
            merchant_id TEXT NOT NULL,
            seq BIGINT,
            auth_id TEXT,
            sale_id TEXT,
            ref TEXT,
            business_day TEXT NOT NULL,
            created_at TEXT NOT NULL
        )""",
        "CREATE INDEX transfers_sale ON transfers (terminal_id, sale_id)",
        "CREATE INDEX transfers_day_terminal ON transfers (business_day, terminal_id)",
        "CREATE INDEX transfers_day_merchant ON transfers (business_day, merchant_id)",
        """CREATE TABLE postings (
            transfer_id TEXT NOT NULL REFERENCES transfers (id),
            line INTEGER NOT NULL,
            account TEXT NOT NULL REFERENCES accounts (name),
            currency TEXT NOT NULL,
            amount BIGINT NOT NULL,
            tender TEXT,
            PRIMARY KEY (transfer_id, line)
        )""",
        """CREATE TABLE holds (
            auth_id TEXT PRIMARY KEY,
            terminal_id TEXT NOT NULL,
            merchant_id TEXT NOT NULL,
            sale_id TEXT NOT NULL,
            tender TEXT NOT NULL,
            token TEXT,
            amount BIGINT NOT NULL,
            currency TEXT NOT NULL,
            status TEXT NOT NULL,
            reason TEXT,
            captured BIGINT NOT NULL DEFAULT 0,
            refunded BIGINT NOT NULL DEFAULT 0,
            expires_at TEXT,
            created_at TEXT NOT NULL,
            transfer_id TEXT,
            CHECK (captured <= amount AND refunded <= captured AND refunded >= 0)
        )""",
        "CREATE INDEX holds_pending ON holds (status, expires_at)",
        "CREATE INDEX holds_sale ON holds (terminal_id, sale_id)",
        """CREATE TABLE idempotency (
            terminal_id TEXT NOT NULL,
            key TEXT NOT NULL,
            digest TEXT NOT NULL,
            status INTEGER NOT NULL,
            body TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (terminal_id, key)
        )""",
        "CREATE TABLE versions (name TEXT PRIMARY KEY, version BIGINT NOT NULL)",
        "INSERT INTO versions (name, version) VALUES ('config', 0), ('blacklist', 0), ('rates', 0), ('model', 0)",
        "CREATE TABLE config_layers (scope TEXT PRIMARY KEY, layer_values TEXT NOT NULL, version BIGINT NOT NULL)",
        """CREATE TABLE blacklist (
            token TEXT PRIMARY KEY,
            added_version BIGINT NOT NULL,
            removed_version BIGINT
        )""",
        "CREATE TABLE rates (version BIGINT PRIMARY KEY, base TEXT NOT NULL, as_of TEXT NOT NULL, rates TEXT NOT NULL)",
        """CREATE TABLE models (
            n BIGINT PRIMARY KEY,
            version TEXT NOT NULL,
            sha256 TEXT,
            url TEXT,
            published_at TEXT NOT NULL
        )""",
    ],
    [  # 2: refunds look up a sale across the merchant's terminals (refund scope "merchant"); one-time enrolment codes
        "CREATE INDEX transfers_merchant_sale ON transfers (merchant_id, sale_id)",
        """CREATE TABLE enrol_codes (
            id TEXT PRIMARY KEY,
            key_hash TEXT NOT NULL,
            merchant_id TEXT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            used_at TEXT,
            used_by TEXT
        )""",
    ],
    [  # 3: each merchant's business-day time zone (settlement days are local days; UTC until one is set)
        "CREATE TABLE merchant_settings (merchant_id TEXT PRIMARY KEY, business_timezone TEXT NOT NULL)",
    ],
    [  # 4: the reference CBDC operator (hub.cbdc.ledger.MIGRATION) and the back office's exception records
        *CBDC_MIGRATION,
    ],
    RISK_LOOP_MIGRATION,  # 5: the risk learning loop: sales, labels with their known time, runs, model files
    [  # 6: the back office (hub.backoffice): users, sessions, operator actions, resolved exceptions, e-invoices,
       #    the hub's own signing keys and the register of retention archives
        *BACKOFFICE_TABLES,
    ],
    [  # 7: each merchant's product list, pulled by its terminals when they are provisioned
        """CREATE TABLE catalogues (
            merchant_id TEXT PRIMARY KEY,
            csv TEXT NOT NULL,
            digest TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        # the fleet: each terminal's group and retirement, its last health report, remote actions for its next sync
        """CREATE TABLE fleet_terminals (
            terminal_id TEXT PRIMARY KEY REFERENCES terminals (id),
            group_name TEXT NOT NULL DEFAULT 'default',
            retire_requested_at TEXT,
            retired_at TEXT,
            last_seen_at TEXT,
            health TEXT
        )""",
        """CREATE TABLE fleet_actions (
            id TEXT PRIMARY KEY,
            terminal_id TEXT NOT NULL REFERENCES terminals (id),
            action TEXT NOT NULL,
            params TEXT NOT NULL,
            state TEXT NOT NULL,
            created_at TEXT NOT NULL,
            sent_at TEXT,
            done_at TEXT,
            result TEXT
        )""",
        "CREATE INDEX fleet_actions_open ON fleet_actions (terminal_id, state)",
        """CREATE TABLE fleet_key_history (
            terminal_id TEXT NOT NULL REFERENCES terminals (id),
            public_key TEXT NOT NULL,
            until_seq BIGINT NOT NULL,
            retired_at TEXT NOT NULL,
            PRIMARY KEY (terminal_id, public_key)
        )""",
        """CREATE TABLE fleet_logs (
            terminal_id TEXT NOT NULL REFERENCES terminals (id),
            received_at TEXT NOT NULL,
            action_id TEXT NOT NULL,
            body TEXT NOT NULL,
            PRIMARY KEY (terminal_id, action_id)
        )""",
    ],
    CORPORATE_MIGRATION,  # 8: supplier batches from Excel: batches, approvals, one payout per row (hub.corporate)
    TREASURY_MIGRATION,  # 9: scheduled payments, the enterprise wallet (hot/cold), AML screening and alerts, FX use
    [  # 10: what several hub processes share.
        # The guessers' throttle (hub.throttle) of a PostgreSQL hub: failures and lock-out per client and kind.
        """CREATE TABLE hub_throttle (
            client TEXT NOT NULL,
            kind TEXT NOT NULL,
            failures INTEGER NOT NULL,
            locked_until DOUBLE PRECISION NOT NULL,
            updated_at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (client, kind)
        )""",
    ],
    SHARDING_MIGRATION,  # 11: merchant_id, the distribution key of a PostgreSQL sharded by merchant, in the keys of
    #                      the merchant tables (hub.sharding, docs/scale-out.md)
    RISK_DECISIONS_MIGRATION,  # 12: each till's risk decisions from its journal (risk.decided records)
]


def system_account_rows() -> list[tuple[str, None, str]]:
    now = datetime.now(UTC).isoformat()
    return [(name, None, now) for name in SYSTEM_ACCOUNTS]


def migrate(backend: Backend) -> int:
    """Apply every migration not yet applied; returns the schema version."""
    with backend.transaction() as tx:
        tx.lock_name("schema")
        tx.run("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
        row = tx.one("SELECT max(version) FROM schema_version")
        current = row[0] or 0
        for number, statements in enumerate(MIGRATIONS, start=1):
            if number <= current:
                continue
            for statement in statements:
                if isinstance(statement, PostgresOnly) and backend.dialect != "postgresql":
                    continue
                tx.run(statement)
            if number == 1:
                tx.many("INSERT INTO accounts (name, merchant_id, created_at) VALUES (?, ?, ?)", system_account_rows())
            if number == 4:
                tx.run("INSERT INTO accounts (name, merchant_id, created_at) VALUES (?, NULL, ?) "
                       "ON CONFLICT (name) DO NOTHING", (ISSUANCE, datetime.now(UTC).isoformat()))
            tx.run("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                   (number, datetime.now(UTC).isoformat()))
            current = number
    return current
