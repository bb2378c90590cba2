"""The hub's payments as rows for reconciliation: `edgepos hub export payments --from D --to D --format csv`.

One row per tender of a booked sale (a split sale has several rows with its one `sale_id`; a tender paid through a
captured online hold is its own row) and per tender of a refund (negative amount, `refund_of` = the payment id of
the sale's row of that tender). Voided sales took nothing and are left out. Days are the merchants' business days.
No card data: the ledger has none.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import astuple, dataclass

from hub.backend import Tx, chunks, in_clause
from hub.backoffice.money import to_major
from hub.backoffice.reconcile import PAYMENT_COLUMNS


@dataclass(frozen=True, slots=True)
class PaymentRow:
    payment_id: str
    sale_id: str
    time: str
    amount: str
    currency: str
    tender: str
    terminal_id: str
    refund_of: str


_QUERY = (
    "SELECT t.id, t.kind, t.terminal_id, t.merchant_id, t.sale_id, coalesce(r.time, t.created_at), p.currency, "
    "p.tender, sum(p.amount) FROM transfers t JOIN postings p ON p.transfer_id = t.id "
    "LEFT JOIN records r ON r.terminal_id = t.terminal_id AND r.seq = t.seq "
    "WHERE t.status = 'posted' AND t.kind IN ('sale', 'auth', 'refund') AND p.tender IS NOT NULL AND {where} "
    "AND NOT EXISTS (SELECT 1 FROM transfers v WHERE v.kind = 'reversal' AND v.status = 'posted' "
    "AND v.terminal_id = t.terminal_id AND v.sale_id = t.sale_id) "
    "GROUP BY t.id, t.kind, t.terminal_id, t.merchant_id, t.sale_id, r.time, t.created_at, p.currency, p.tender "
    "HAVING (t.kind = 'refund' AND sum(p.amount) < 0) OR (t.kind <> 'refund' AND sum(p.amount) > 0) "
    "ORDER BY 6, 1, 8")


def payment_rows(tx: Tx, day_from: str, day_to: str, merchant_id: str | None = None) -> list[PaymentRow]:
    where = "t.business_day >= ? AND t.business_day <= ?" + (" AND t.merchant_id = ?" if merchant_id else "")
    params = [day_from, day_to, *([merchant_id] if merchant_id else [])]
    rows = tx.all(_QUERY.format(where=where), params)
    originals: dict[tuple[str, str, str], str] = {}  # (merchant, sale, tender) -> payment id of the sale's row
    for transfer_id, kind, _, merchant, sale_id, _, _, tender, _ in rows:
        if kind != "refund":
            originals.setdefault((merchant, sale_id, tender), f"{transfer_id}/{tender}")
    missing = sorted({sale_id for _, kind, _, merchant, sale_id, _, _, tender, _ in rows
                      if kind == "refund" and (merchant, sale_id, tender) not in originals})
    for chunk in chunks(missing, 400):  # refunds of sales booked before the period
        for transfer_id, merchant, sale_id, tender in tx.all(
                "SELECT t.id, t.merchant_id, t.sale_id, p.tender FROM transfers t JOIN postings p ON "
                "p.transfer_id = t.id WHERE t.status = 'posted' AND t.kind IN ('sale', 'auth') AND p.amount > 0 "
                f"AND p.tender IS NOT NULL AND t.sale_id IN {in_clause(chunk)} ORDER BY t.created_at", list(chunk)):
            originals.setdefault((merchant, sale_id, tender), f"{transfer_id}/{tender}")
    out = []
    for transfer_id, kind, terminal_id, merchant, sale_id, time, currency, tender, amount in rows:
        refund_of = originals.get((merchant, sale_id, tender), "") if kind == "refund" else ""
        out.append(PaymentRow(f"{transfer_id}/{tender}", sale_id or "", time, to_major(int(amount), currency),
                              currency, tender, terminal_id, refund_of))
    return out


def to_csv(rows: Iterable[PaymentRow]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(PAYMENT_COLUMNS)
    writer.writerows(astuple(row) for row in rows)
    return buffer.getvalue()

