"""Durable journal appends of realistic sale records: p50/p99 latency and sustained rate.

Each append is the full path a sale takes: canonical JSON, PAN guard, SM4+AES sealing of the card part, SM3 chain
hash, SM2 signature, SQLite commit with WAL + synchronous=FULL.
"""

from __future__ import annotations

import base64
import random
import tempfile
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.stats import percentile
from sync.journal import Journal
from sync.keystore import FileKeyStore, random_secret
from terminal.domain import Cart, Money, Sale, TaxRate, Tender, TenderKind

VAT13 = TaxRate("VAT13", Decimal("0.13"), inclusive=True)
VAT9 = TaxRate("VAT9", Decimal("0.09"), inclusive=True)
PRODUCTS = [
    ("6901028075831", "Mineral water 550ml", 200, VAT13),
    ("6920152400777", "可口可乐 330ml", 350, VAT13),
    ("4006381333931", "Notebook A5", 1290, VAT13),
    ("6925303773106", "Instant noodles 5-pack", 1650, VAT9),
    ("9787111213826", "Book: Payment Systems", 5900, VAT9),
    ("6901234567892", "USB-C cable 1m", 2990, VAT13),
]


def sale_record(rng: random.Random, terminal_id: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """A sale as the checkout journals it (terminal.domain's record) + its sensitive part (auth data)."""
    cart = Cart("CNY")
    for sku, name, price, rate in rng.sample(PRODUCTS, rng.randint(1, 5)):
        cart.add(sku, name, Money(price, "CNY"), rate, quantity=rng.randint(1, 3))
    now = datetime.now(UTC)
    sale_id = str(uuid.UUID(int=rng.getrandbits(128)))
    sale = Sale.from_cart(cart, terminal_id=terminal_id, created_at=now, sale_id=sale_id)
    kind = rng.choice(list(TenderKind))
    sensitive = None
    if kind is TenderKind.CASH:
        sale.add_tender(Tender(kind, Money(-(-sale.total.amount // 5000) * 5000, "CNY")))  # rounded up: change due
    else:
        last4 = f"{rng.randint(0, 9999):04d}"
        token = f"tk_{rng.getrandbits(160):040x}"
        sale.add_tender(Tender(kind, sale.total, reference=f"A{rng.getrandbits(40):010X}", card_last4=last4,
                               token=token))
        sensitive = {"last4": last4, "auth_code": f"{rng.randint(0, 999999):06d}",
                     "arqc": base64.b64encode(rng.randbytes(8)).decode()}  # binary as base64: see Journal.append
    sale.complete(now)
    return sale.to_dict(), sensitive


def run(count: int = 5000, db: Path | None = None, seed: int = 7) -> dict[str, Any]:
    """Append `count` sales to a new journal (kept at `db` if given) and measure."""
    with tempfile.TemporaryDirectory(prefix="edgepos-bench-") as tmp:
        keystore = FileKeyStore.create(Path(tmp) / "keys.json", random_secret(), "BENCH-T1")
        path = db if db is not None else Path(tmp) / "journal.db"
        rng = random.Random(seed)
        records = [sale_record(rng, keystore.terminal_id) for _ in range(count)]
        latencies = []
        with Journal.create(path, keystore) as journal:
            journal.append("bench.start", {"count": count, "at": datetime.now(UTC).isoformat()})
            started = time.perf_counter()
            for public, sensitive in records:
                t0 = time.perf_counter()
                journal.append("sale.completed", public, sensitive)
                latencies.append(time.perf_counter() - t0)
            elapsed = time.perf_counter() - started
            durability = journal.durability()
        latencies_ms = sorted(x * 1000 for x in latencies)
        return {
            "appends": count,
            "p50_ms": percentile(latencies_ms, 0.5),
            "p99_ms": percentile(latencies_ms, 0.99),
            "max_ms": round(latencies_ms[-1], 3),
            "appends_per_second": round(count / elapsed, 1),
            "durability": durability,  # as read back from SQLite; one commit per sale
            "signature": "SM2 per record (tongsuopy)",
            "db": str(db) if db is not None else None,
            "terminal_id": keystore.terminal_id,
            "public_key": keystore.public_key().hex(),  # pin it: `edgepos journal verify --public-key`
        }
