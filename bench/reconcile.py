"""Reconciliation benchmark: `edgepos bench reconcile [--orders N] [--json]`.

Generates an ERP order file and the matching payments file (as `edgepos hub export payments` writes it) for N orders
on 40 terminals over a week: single and split tenders, partial and full refunds, payment_ref known for 40 % of
orders and the terminal for 70 %. Then injects discrepancies of every kind (`FLAG_KINDS`) and times the engine on the
two files (CSV parsing included). Reports:
- `discrepancy_recall`: injected discrepancies flagged with the right kind, their order ids and payment ids;
- `clean_precision`: clean orders (no discrepancy injected) that no flag names.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hub.backoffice.money import to_major
from hub.backoffice.reconcile import FLAG_KINDS, ORDER_COLUMNS, PAYMENT_COLUMNS, reconcile_files

DISCREPANCY_SHARE = 0.004  # of orders, per kind
SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass
class Truth:
    expected: list[tuple[str, set[str], set[str]]] = field(default_factory=list)  # kind, order ids, payment ids
    clean: set[str] = field(default_factory=set)


@dataclass
class Generated:
    orders_csv: str
    payments_csv: str
    truth: Truth


def generate(orders: int = 100_000, seed: int = 15) -> Generated:
    rng = random.Random(seed)
    start = datetime(2026, 11, 2, tzinfo=UTC)
    span = timedelta(days=7).total_seconds()
    terminals = [f"T{n:03d}" for n in range(40)]
    order_rows: list[tuple[str, ...]] = []
    payment_rows: list[tuple[str, ...]] = []
    truth = Truth()
    counter = iter(range(1, 10**9))

    def pay(sale_id: str, when: datetime, amount: int, currency: str, terminal: str, tenders: int = 1) -> list[str]:
        parts = [amount]
        if tenders > 1:
            cuts = sorted(rng.sample(range(1, amount), tenders - 1)) if amount > tenders else []
            parts = [b - a for a, b in zip([0, *cuts], [*cuts, amount], strict=True)] if cuts else [amount]
        ids = []
        for part in parts:
            payment_id = f"P{next(counter)}"
            tender = rng.choice(("card_contactless", "qr_customer", "cash", "cbdc_wallet"))
            payment_rows.append((payment_id, sale_id, when.isoformat(), to_major(part, currency), currency, tender,
                                 terminal, ""))
            ids.append(payment_id)
        return ids

    kinds = [k for k in FLAG_KINDS for _ in range(max(1, int(orders * DISCREPANCY_SHARE)))]
    plan = kinds + [""] * (orders - len(kinds))
    rng.shuffle(plan)
    for number, kind in enumerate(plan, start=1):
        order_id = f"SO{number:07d}"
        terminal = rng.choice(terminals)
        created = start + timedelta(seconds=rng.uniform(0, span))
        currency = "CNY" if rng.random() < 0.9 else "HKD"
        amount = rng.randint(100, 200_000)
        sale_id = f"S{number:07d}"
        paid_at = created + timedelta(seconds=rng.uniform(5, 180))
        ref = sale_id if rng.random() < 0.4 else ""
        erp_terminal = terminal if rng.random() < 0.7 else ""
        if kind in ("amount_mismatch", "currency_mismatch"):
            ref = sale_id  # without a reference these cannot be told from missing + unmatched (see hub.reconcile)
        if kind == "refund_without_payment":
            kind = ""
            refund_id = f"P{next(counter)}"
            payment_rows.append((refund_id, f"X{number}", paid_at.isoformat(), to_major(-rng.randint(100, 5000),
                                 "CNY"), "CNY", "card_contactless", terminal, f"P-gone-{number}"))
            truth.expected.append(("refund_without_payment", set(), {refund_id}))
        if kind == "unmatched_payment":
            ids = pay(f"U{number:07d}", paid_at, rng.randint(100, 200_000), currency, terminal)
            truth.expected.append(("unmatched_payment", set(), set(ids)))
            kind = ""
        if kind == "missing_payment":
            truth.expected.append(("missing_payment", {order_id}, set()))
        else:
            paid_amount = amount + (rng.choice((-1, 1)) * rng.randint(1, 500) if kind == "amount_mismatch" else 0)
            paid_amount = max(paid_amount, 1)
            paid_currency = ("USD" if currency != "USD" else "EUR") if kind == "currency_mismatch" else currency
            split = 1 if rng.random() < 0.8 else rng.randint(2, 3)
            ids = pay(sale_id, paid_at, paid_amount, paid_currency, terminal, split)
            if kind in ("amount_mismatch", "currency_mismatch"):
                truth.expected.append((kind, {order_id}, set(ids)))
            elif kind == "duplicate_payment":
                twin = pay(f"D{number:07d}", paid_at + timedelta(seconds=rng.uniform(20, 300)), paid_amount,
                           paid_currency, terminal)
                truth.expected.append((kind, {order_id}, set(twin)))
            else:
                truth.clean.add(order_id)
                if rng.random() < 0.08:  # refunds: full or partial, of the first tender
                    first = payment_rows[-len(ids)]
                    back = int(first[3].replace(".", "")) if rng.random() < 0.4 else max(1, int(first[3].replace(
                        ".", "")) // 3)
                    payment_rows.append((f"P{next(counter)}", sale_id, (paid_at + timedelta(hours=2)).isoformat(),
                                         to_major(-back, paid_currency), paid_currency, first[5], terminal, first[0]))
        stamp = created.astimezone(SHANGHAI) if number % 2 else created  # ERPs write local time with an offset
        order_rows.append((order_id, stamp.isoformat(), to_major(amount, currency), currency, erp_terminal, ref))
    return Generated(_csv(ORDER_COLUMNS, order_rows), _csv(PAYMENT_COLUMNS, payment_rows), truth)


def _csv(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def score(report: Any, truth: Truth) -> tuple[float, float, dict[str, float]]:
    """(discrepancy recall, clean precision, recall per kind)."""
    flags: dict[str, list[Any]] = {kind: [] for kind in FLAG_KINDS}
    by_order: dict[str, list[Any]] = {}
    by_payment: dict[str, list[Any]] = {}
    for flag in report.flags:
        flags[flag.kind].append(flag)
        for order_id in flag.order_ids:
            by_order.setdefault(order_id, []).append(flag)
        for payment_id in flag.payment_ids:
            by_payment.setdefault(payment_id, []).append(flag)
    hits: dict[str, list[int]] = {kind: [0, 0] for kind in FLAG_KINDS}
    for kind, order_ids, payment_ids in truth.expected:
        hits[kind][1] += 1
        anchor = next(iter(order_ids), None)
        candidates = by_order.get(anchor, []) if anchor else by_payment.get(next(iter(payment_ids)), [])
        if any(f.kind == kind and order_ids <= set(f.order_ids) and payment_ids <= set(f.payment_ids)
               for f in candidates):
            hits[kind][0] += 1
    found = sum(h for h, _ in hits.values())
    total = sum(n for _, n in hits.values())
    clean_ok = sum(1 for order_id in truth.clean if order_id not in by_order)
    return (found / total if total else 1.0, clean_ok / len(truth.clean) if truth.clean else 1.0,
            {kind: round(h / n, 4) if n else 1.0 for kind, (h, n) in hits.items()})


def run(orders: int = 100_000, seed: int = 15) -> dict[str, Any]:
    data = generate(orders, seed)
    began = time.perf_counter()
    report = reconcile_files(data.orders_csv.encode(), data.payments_csv.encode())
    seconds = time.perf_counter() - began
    recall, precision, per_kind = score(report, data.truth)
    return {"orders": report.orders, "payments": report.payments, "seconds": round(seconds, 3),
            "discrepancies": len(data.truth.expected), "discrepancy_recall": round(recall, 5),
            "clean_precision": round(precision, 5), "recall_by_kind": per_kind, "flags": len(report.flags),
            "matched": report.matched, "unreadable": len(report.unreadable)}


def register(bench: argparse._SubParsersAction) -> None:
    parser = bench.add_parser("reconcile", help="reconcile generated ERP orders against payments with injected "
                                                "discrepancies: time, recall, precision")
    parser.add_argument("--orders", type=int, default=100_000, help="orders to generate (default 100000)")
    parser.add_argument("--seed", type=int, default=15, help="random seed (default 15)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=cmd_bench_reconcile)


def cmd_bench_reconcile(args: argparse.Namespace) -> int:
    result = run(args.orders, args.seed)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{result['orders']} orders, {result['payments']} payments reconciled in {result['seconds']} s; "
              f"discrepancy recall {result['discrepancy_recall']:.4f}, clean precision "
              f"{result['clean_precision']:.4f}")
    return 0
