"""Hub migration 11: the distribution key (merchant_id) in the keys a PostgreSQL sharded by merchant needs.

A sharded PostgreSQL (Citus) places each row of a distributed table on the node of its distribution column's hash,
so every primary key, unique constraint and foreign key between distributed tables must include that column. The
hub's ledger belongs to merchants, so merchant_id is the key (docs/scale-out.md has the whole plan).

Both databases: `records` and `postings` get a `merchant_id` column (filled from their terminal and transfer), which
the ingest and the ledger now write. PostgreSQL only (SQLite is the embedded single-node hub, never sharded): the
primary keys of terminals, records, transfers, postings, holds and enrol_codes lead with merchant_id, and records
and postings reference their terminal and transfer by (merchant_id, id). The single-column uniqueness the code
relies on today stays as a UNIQUE constraint next to the new key (a foreign key of a table without merchant_id, an
ON CONFLICT target, an authorisation id unique across merchants); a Citus deployment drops those (SHARDING_DROPS)
once the code paths named in docs/scale-out.md pass merchant_id too.
"""

from __future__ import annotations


class PostgresOnly(str):
    """A migration statement only PostgreSQL runs (hub.schema.migrate skips it on SQLite)."""

    __slots__ = ()


def _pg(*statements: str) -> list[str]:
    return [PostgresOnly(s) for s in statements]


_FLEET = ("fleet_terminals", "fleet_actions", "fleet_key_history", "fleet_logs")  # no merchant_id (yet)

MIGRATION: list[str] = [
    "ALTER TABLE records ADD COLUMN merchant_id TEXT NOT NULL DEFAULT ''",
    "UPDATE records SET merchant_id = (SELECT t.merchant_id FROM terminals t WHERE t.id = records.terminal_id)",
    "ALTER TABLE postings ADD COLUMN merchant_id TEXT NOT NULL DEFAULT ''",
    "UPDATE postings SET merchant_id = (SELECT t.merchant_id FROM transfers t WHERE t.id = postings.transfer_id)",
    *_pg(
        # terminals: (merchant_id, id); id stays unique for the fleet tables' references (they carry no merchant)
        "ALTER TABLE terminals ADD CONSTRAINT terminals_id_key UNIQUE (id)",
        *[f"ALTER TABLE {table} DROP CONSTRAINT {table}_terminal_id_fkey" for table in ("records", *_FLEET)],
        "ALTER TABLE terminals DROP CONSTRAINT terminals_pkey, ADD PRIMARY KEY (merchant_id, id)",
        *[f"ALTER TABLE {table} ADD CONSTRAINT {table}_terminal_id_fkey FOREIGN KEY (terminal_id) "
          "REFERENCES terminals (id)" for table in _FLEET],
        # records: the journal copies, keyed and referenced by merchant; (terminal_id, seq) stays unique (look-ups)
        "ALTER TABLE records DROP CONSTRAINT records_pkey, ADD PRIMARY KEY (merchant_id, terminal_id, seq), "
        "ADD CONSTRAINT records_terminal_seq_key UNIQUE (terminal_id, seq), ADD CONSTRAINT records_terminal_fkey "
        "FOREIGN KEY (merchant_id, terminal_id) REFERENCES terminals (merchant_id, id)",
        # transfers and their postings
        "ALTER TABLE transfers ADD CONSTRAINT transfers_id_key UNIQUE (id)",
        "ALTER TABLE postings DROP CONSTRAINT postings_transfer_id_fkey",
        "ALTER TABLE transfers DROP CONSTRAINT transfers_pkey, ADD PRIMARY KEY (merchant_id, id)",
        "ALTER TABLE postings DROP CONSTRAINT postings_pkey, ADD PRIMARY KEY (merchant_id, transfer_id, line), "
        "ADD CONSTRAINT postings_transfer_line_key UNIQUE (transfer_id, line), ADD CONSTRAINT postings_transfer_fkey "
        "FOREIGN KEY (merchant_id, transfer_id) REFERENCES transfers (merchant_id, id)",
        # holds: an authorisation id stays unique across merchants on one node (two terminals, one id: one hold)
        "ALTER TABLE holds ADD CONSTRAINT holds_auth_id_key UNIQUE (auth_id)",
        "ALTER TABLE holds DROP CONSTRAINT holds_pkey, ADD PRIMARY KEY (merchant_id, auth_id)",
        # one-time enrolment codes: minted for one merchant
        "ALTER TABLE enrol_codes ADD CONSTRAINT enrol_codes_id_key UNIQUE (id)",
        "ALTER TABLE enrol_codes DROP CONSTRAINT enrol_codes_pkey, ADD PRIMARY KEY (merchant_id, id)",
    ),
]

# The single-node constraints a Citus deployment drops before distributing (each lacks merchant_id)
SHARDING_DROPS: dict[str, list[str]] = {
    "terminals": ["terminals_id_key"],
    "records": ["records_terminal_seq_key"],
    "transfers": ["transfers_id_key"],
    "postings": ["postings_transfer_line_key"],
    "holds": ["holds_auth_id_key"],
    "enrol_codes": ["enrol_codes_id_key"],
}
