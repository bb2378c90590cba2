"""Migration 11 on PostgreSQL: merchant_id, the distribution key of a hub sharded by merchant, leads the keys of the
merchant tables, existing rows get their merchant, and the ledger keeps working on the new keys."""

from __future__ import annotations

import os
from collections.abc import Iterator

import psycopg
import pytest
from hubkit import pg_available, pg_schema

from hub import schema
from hub.postgres_backend import PostgresBackend
from hub.sharding import SHARDING_DROPS
from hub.store import Store

SHARDED_KEYS = {
    "terminals": ["merchant_id", "id"],
    "records": ["merchant_id", "terminal_id", "seq"],
    "transfers": ["merchant_id", "id"],
    "postings": ["merchant_id", "transfer_id", "line"],
    "holds": ["merchant_id", "auth_id"],
    "enrol_codes": ["merchant_id", "id"],
    "bo_invoices": ["merchant_id", "number"],
    "merchant_settings": ["merchant_id"],
    "catalogues": ["merchant_id"],
}


@pytest.fixture
def dsn() -> Iterator[str]:
    if not pg_available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not reachable on 127.0.0.1:5432")
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    with pg_schema() as dsn:
        yield dsn


def _constraints(conn: psycopg.Connection, kind: str) -> dict[str, tuple[str, list[str], str | None]]:
    """name -> (table, columns in key order, referenced table) of this schema's constraints of `kind` (p, u, f)."""
    rows = conn.execute(
        "SELECT c.conname, t.relname, array_agg(a.attname ORDER BY k.n), r.relname FROM pg_constraint c "
        "JOIN pg_class t ON t.oid = c.conrelid LEFT JOIN pg_class r ON r.oid = c.confrelid "
        "CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, n) "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum "
        "WHERE c.contype = %s AND t.relnamespace = current_schema()::regnamespace "
        "GROUP BY c.conname, t.relname, r.relname", (kind,)).fetchall()
    return {name: (table, list(columns), ref) for name, table, columns, ref in rows}


def test_upgrade_fills_merchant_and_puts_it_first_in_every_key(dsn: str, monkeypatch: pytest.MonkeyPatch) -> None:
    before = schema.MIGRATIONS[:schema.MIGRATIONS.index(schema.SHARDING_MIGRATION)]
    monkeypatch.setattr(schema, "MIGRATIONS", before)
    Store.open(dsn=dsn).close()  # a hub of the release before: data written without the new columns
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("INSERT INTO terminals (id, merchant_id, public_key, enrolled_at, last_seq) "
                     "VALUES ('T-OLD', 'M-OLD', 'aa', '2026-01-01T00:00:00+00:00', 1)")
        conn.execute("INSERT INTO records (terminal_id, seq, time, type, payload, prev_hash, hash, signature, status, "
                     "received_at) VALUES ('T-OLD', 1, 't', 'sale.completed', '{}', 'p', 'h', 's', 'accepted', 'r')")
        conn.execute("INSERT INTO transfers (id, kind, status, terminal_id, merchant_id, business_day, created_at) "
                     "VALUES ('sale:T-OLD:1', 'sale', 'posted', 'T-OLD', 'M-OLD', '2026-01-01', 'c')")
        conn.execute("INSERT INTO postings (transfer_id, line, account, currency, amount) "
                     "VALUES ('sale:T-OLD:1', 1, 'fees', 'CNY', 100)")
    monkeypatch.setattr(schema, "MIGRATIONS", [*before, schema.SHARDING_MIGRATION])
    assert schema.migrate(PostgresBackend(dsn)) == len(before) + 1

    with psycopg.connect(dsn, autocommit=True) as conn:
        assert conn.execute("SELECT merchant_id FROM records").fetchall() == [("M-OLD",)]
        assert conn.execute("SELECT merchant_id FROM postings").fetchall() == [("M-OLD",)]
        keys = {table: columns for table, columns, _ in _constraints(conn, "p").values()}
        for table, columns in SHARDED_KEYS.items():
            assert keys[table] == columns, table
        references = {(table, ref): columns for table, columns, ref in _constraints(conn, "f").values()}
        assert references[("records", "terminals")] == ["merchant_id", "terminal_id"]
        assert references[("postings", "transfers")] == ["merchant_id", "transfer_id"]
        uniques = _constraints(conn, "u")
        assert {name for names in SHARDING_DROPS.values() for name in names} <= uniques.keys()


def test_ledger_books_on_the_new_keys(dsn: str) -> None:
    """An upload, a hold and its capture write merchant_id into every row they add (the migration's defaults are
    never what the ledger relies on)."""
    from bench.hub_ingest import signed_sales
    from sync.crypto import Sm2PrivateKey
    from sync.protocol import enrol_request

    store = Store.open(dsn=dsn)
    try:
        key = Sm2PrivateKey.generate()
        store.enrol(enrol_request(store.mint_enrol_code("M-SHARD").code, "T-SHARD", "M-SHARD",
                                  key.public_key().hex()))
        answer = store.ingest_records("T-SHARD", signed_sales("T-SHARD", key, 30))
        assert {r.status for r in answer.results} == {"accepted"}
        assert store.trial_balance().balanced
        again = store.ingest_records("T-SHARD", signed_sales("T-SHARD", key, 30)[:5])
        assert {r.status for r in again.results} <= {"duplicate", "rejected"}
        blank = store.view(lambda tx: (tx.one("SELECT count(*) FROM records WHERE merchant_id <> 'M-SHARD'")[0],
                                       tx.one("SELECT count(*) FROM postings WHERE merchant_id <> 'M-SHARD'")[0]))
        assert blank == (0, 0)
    finally:
        store.close()
