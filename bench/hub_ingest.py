"""Hub ingest rate: journal batches of realistic signed sales booked into the ledger, postings per second.

Measured at the store level (no HTTP), twice on fresh terminals: booking alone (`verify=False`: chain links,
payload parsing, holds/blacklist look-ups, one bulk insert per table) and the full path with SM3 digests and SM2
signatures checked. Run: `python -m bench.hub_ingest [sqlite|postgresql] [records]`.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from sync.chain import canonical_json, genesis_hash, record_digest
from sync.crypto import Sm2PrivateKey
from sync.journal import time_text
from sync.protocol import MAX_BATCH, WireRecord, enrol_request


def signed_sales(terminal_id: str, key: Sm2PrivateKey, count: int) -> list[WireRecord]:
    """`count` sale.completed records, each paid half by card, half in cash with change: 4 postings each."""
    prev = genesis_hash(terminal_id, key.public_key())
    records = []
    for seq in range(1, count + 1):
        card, cash, change = 1000 + seq % 500, 600, 100
        money = lambda amount: {"amount": amount, "currency": "CNY"}  # noqa: E731
        payload = canonical_json({
            "type": "sale", "sale_id": uuid.uuid4().hex, "terminal_id": terminal_id, "currency": "CNY",
            "status": "paid", "lines": [{"sku": "6901028075831", "qty": 1}],
            "tenders": [{"kind": "card_contactless", "amount": money(card), "reference": f"OFF-{seq}",
                         "card_last4": "4242"}, {"kind": "cash", "amount": money(cash), "reference": "",
                                                 "card_last4": None}],
            "totals": {"total": money(card + cash - change)}, "change": money(change), "void": None, "refunds": []})
        when = time_text(datetime.now(UTC))
        digest = record_digest(terminal_id.encode(), seq, when.encode(), b"sale.completed", payload, None, prev)
        records.append(WireRecord(seq=seq, terminal_id=terminal_id, time=when, type="sale.completed",
                                  payload=payload.decode(), prev_hash=prev.hex(), hash=digest.hex(),
                                  signature=key.sign(digest).hex()))
        prev = digest
    return records


def run(backend: Literal["sqlite", "postgresql"] = "sqlite", records: int = 10_000, dsn: str | None = None,
        path: str | Path | None = None) -> dict[str, Any]:
    from hub.store import Store

    with tempfile.TemporaryDirectory(prefix="edgepos-hub-bench-") as tmp:
        if backend == "postgresql":
            from hub.postgres_backend import LOCAL_DSN, scratch_schema

            with scratch_schema(dsn or LOCAL_DSN, "hub_bench") as schema_dsn:
                store = Store.open(dsn=schema_dsn)
                try:
                    return _measure(store, backend, records)
                finally:
                    store.close()
        store = Store.open(path=path or Path(tmp) / "hub.db")
        try:
            return _measure(store, backend, records)
        finally:
            store.close()


def _measure(store: Any, backend: str, count: int) -> dict[str, Any]:
    result: dict[str, Any] = {"backend": backend, "records": count, "batch": MAX_BATCH}
    for label, verify in (("booking_only", False), ("verified", True)):
        key = Sm2PrivateKey.generate()
        terminal_id = f"BENCH-{uuid.uuid4().hex[:8]}"
        store.enrol(enrol_request(store.mint_enrol_code("M-BENCH").code, terminal_id, "M-BENCH",
                                  key.public_key().hex()))
        records = signed_sales(terminal_id, key, count)
        before = store.trial_balance().postings
        started = time.perf_counter()
        for start in range(0, count, MAX_BATCH):
            answer = store.ingest_records(terminal_id, records[start:start + MAX_BATCH], verify=verify)
            assert all(r.status == "accepted" for r in answer.results), answer.results[-1]
        seconds = time.perf_counter() - started
        postings = store.trial_balance().postings - before
        result[label] = {"seconds": round(seconds, 3), "postings": postings,
                         "postings_per_second": round(postings / seconds),
                         "records_per_second": round(count / seconds)}
    result["postings_per_second"] = result["booking_only"]["postings_per_second"]
    result["postings_per_second_verified"] = result["verified"]["postings_per_second"]
    result["balanced"] = store.trial_balance().balanced
    return result


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    print(json.dumps(run(which, int(sys.argv[2]) if len(sys.argv) > 2 else 10_000), indent=2))  # type: ignore[arg-type]
