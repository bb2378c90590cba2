"""Paying approved supplier-batch rows, each exactly once, and the result file.

A row is claimed, paid through its rail and marked in ONE transaction: the claim is a conditional UPDATE (on
PostgreSQL it row-locks, and a second hub waiting on it then finds the row no longer due), the rail books the ledger
transfer `corp:<idempotency key>` (a primary key: it cannot commit twice), and the row turns `paid` or `failed` with
the rail's reason. A hub SIGKILLed mid-batch has committed some chunks whole and none in part; `resume` (run when a
hub starts) pays the rest. Rows whose `pay_on` is still ahead stay `scheduled` until `run_due` reaches their day.

Stable entry points for the scheduler (hub.corporate.scheduler): `pay_one(store, payout_id, now)` and
`run_due(store, merchant_id, today)`. `SCREENS` are checks run in the paying transaction before the rail (AML
alerts, FX freshness): a screen raises RailRefused to fail the row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from hub.backend import Tx, in_clause
from hub.backoffice.money import to_major
from hub.clock import Clock, iso, utc_now
from hub.corporate.rails import PAYOUT_COLUMNS, RAILS, Payout, RailRefused
from hub.corporate.screens import SCREENS as TREASURY_SCREENS
from hub.errors import NotFound
from hub.merchants import business_zone
from hub.store import Store

CHUNK = 100  # rows per transaction: each chunk commits whole or not at all
Screen = Callable[[Tx, Payout, datetime], None]
SCREENS: list[Screen] = [*TREASURY_SCREENS]  # FX freshness, then AML alerts (hub.corporate.screens)
RESULT_COLUMNS = ("row", "payee_name", "account", "bank_code", "amount", "currency", "reference", "pay_on", "rail",
                  "status", "reason", "paid_at", "transfer_id")
_SELECT = f"SELECT {', '.join(PAYOUT_COLUMNS)} FROM corp_payouts "


@dataclass(frozen=True, slots=True)
class PayoutResult:
    payout_id: str
    status: str  # paid, failed, scheduled (pay_on ahead), due, awaiting_approval, rejected
    reason: str | None = None
    transfer_id: str | None = None
    paid_at: str | None = None


def _result(payout: Payout) -> PayoutResult:
    return PayoutResult(payout.id, payout.status, payout.reason, payout.transfer_id, payout.paid_at)


def load_payouts(tx: Tx, where: str, params: Sequence[object] = ()) -> list[Payout]:
    return [Payout(*row) for row in tx.all(_SELECT + where, params)]


def _local_today(tx: Tx, merchant_id: str, now: datetime) -> str:
    return now.astimezone(business_zone(tx, merchant_id)).date().isoformat()


def pay_in(tx: Tx, payout_id: str, now: datetime) -> PayoutResult:
    """Claim, pay and mark one payout in the caller's transaction (what every path below runs)."""
    found = load_payouts(tx, "WHERE id = ?", (payout_id,))
    if not found:
        raise NotFound(f"no payout {payout_id}", code="unknown_payout")
    payout = found[0]
    if payout.status not in ("due", "scheduled"):
        return _result(payout)  # paid or failed already (a retry, another hub), or not approved
    if payout.pay_on and payout.pay_on > _local_today(tx, payout.merchant_id, now):
        return _result(payout)
    if not tx.run("UPDATE corp_payouts SET status = status WHERE id = ? AND status IN ('due', 'scheduled')",
                  (payout_id,)):
        return _result(load_payouts(tx, "WHERE id = ?", (payout_id,))[0])  # another hub paid it meanwhile
    status, reason, transfer_id = "paid", None, None
    try:
        for screen in SCREENS:
            screen(tx, payout, now)
        transfer_id = RAILS[payout.rail].pay(tx, payout, now)
    except RailRefused as refused:
        status, reason = "failed", f"{refused.code}: {refused.message}"
    tx.run("UPDATE corp_payouts SET status = ?, reason = ?, transfer_id = ?, paid_at = ? WHERE id = ?",
           (status, reason, transfer_id, iso(now), payout_id))
    return PayoutResult(payout_id, status, reason, transfer_id, iso(now))


def pay_one(store: Store, payout_id: str, now: datetime) -> PayoutResult:
    """Pay one payout now if it is approved and due; otherwise its state as it is. Safe to call again."""
    return store.read(lambda tx: pay_in(tx, payout_id, now))


def _pay_ids(store: Store, ids: list[str], clock: Clock, stop: Callable[[], bool] | None = None
             ) -> list[PayoutResult]:
    results: list[PayoutResult] = []
    for start in range(0, len(ids), CHUNK):
        if stop is not None and stop():
            break  # the hub is stopping: the rest stays due for the next round or the next hub
        chunk = ids[start:start + CHUNK]
        now = clock()
        results += store.read(lambda tx, c=chunk, n=now: [pay_in(tx, payout_id, n) for payout_id in c])
    return results


def _due_ids(tx: Tx, where: str, params: Sequence[object]) -> list[str]:
    return [row[0] for row in tx.all(
        "SELECT p.id FROM corp_payouts p JOIN corp_batches b ON b.id = p.batch_id WHERE b.status = 'approved' AND "
        f"p.status IN ('due', 'scheduled') AND {where} ORDER BY p.batch_id, p.row_no", params)]


def run_due(store: Store, merchant_id: str, today: date, clock: Clock = utc_now) -> list[PayoutResult]:
    """Pay every approved payout of the merchant due on or before `today` (its business day)."""
    ids = store.view(lambda tx: _due_ids(tx, "p.merchant_id = ? AND (p.pay_on IS NULL OR p.pay_on <= ?)",
                                         (merchant_id, today.isoformat())))
    results = _pay_ids(store, ids, clock)
    _close_finished(store, clock())
    return results


def run_batch(store: Store, batch_id: str, clock: Clock = utc_now) -> dict[str, int]:
    """Pay the batch's due rows; returns the count of its rows by status."""
    ids = store.view(lambda tx: _due_ids(tx, "p.batch_id = ?", (batch_id,)))
    _pay_ids(store, ids, clock)
    _close_finished(store, clock())
    return counts(store, batch_id)


def resume(store: Store, clock: Clock = utc_now, stop: Callable[[], bool] | None = None) -> int:
    """Pay what approved batches still owe (a hub starting after a crash); returns the rows looked at. `stop` is
    asked between chunks (a hub shutting down stops after the chunk in hand)."""
    ahead = (clock() + timedelta(days=1)).date().isoformat()  # east of UTC the local day starts earlier: pay_in
    ids = store.view(lambda tx: _due_ids(tx, "(p.pay_on IS NULL OR p.pay_on <= ?)", (ahead,)))  # decides per merchant
    _pay_ids(store, ids, clock, stop)
    _close_finished(store, clock())
    return len(ids)


def _close_finished(store: Store, now: datetime) -> None:
    store.read(lambda tx: tx.run(
        "UPDATE corp_batches SET status = 'done' WHERE status = 'approved' AND NOT EXISTS (SELECT 1 FROM "
        "corp_payouts p WHERE p.batch_id = corp_batches.id AND p.status IN ('due', 'scheduled'))"))


def counts(store: Store, batch_id: str) -> dict[str, int]:
    rows = store.view(lambda tx: tx.all("SELECT status, count(*) FROM corp_payouts WHERE batch_id = ? GROUP BY "
                                        "status", (batch_id,)))
    return {status: int(n) for status, n in rows}


def payouts_of(tx: Tx, batch_ids: Sequence[str]) -> list[Payout]:
    return load_payouts(tx, f"WHERE batch_id IN {in_clause(batch_ids)} ORDER BY batch_id, row_no", list(batch_ids))


def result_rows(payouts: Sequence[Payout]) -> list[list[str]]:
    """The result file's rows: one per payout, account masked, amount in major units."""
    return [[str(p.row_no), p.payee_name, p.account_masked, p.bank_code, to_major(p.amount, p.currency), p.currency,
             p.reference, p.pay_on or "", p.rail, p.status, p.reason or "", (p.paid_at or "")[:19],
             p.transfer_id or ""] for p in payouts]


def export_result(payouts: Sequence[Payout], fmt: str) -> bytes:
    """The result file as CSV (UTF-8 with BOM, so Excel shows Chinese names) or XLSX."""
    rows = result_rows(payouts)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(RESULT_COLUMNS)
        writer.writerows(rows)
        return ("\ufeff" + buffer.getvalue()).encode()
    if fmt != "xlsx":
        raise ValueError("the result file is csv or xlsx")
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("result")
    sheet.append(list(RESULT_COLUMNS))
    for row in rows:
        sheet.append([int(row[0]), *row[1:]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_result(store: Store, batch_id: str, path: Path) -> int:
    """Write the batch's result file (format from the suffix); returns its rows."""
    payouts = store.view(lambda tx: payouts_of(tx, [batch_id]))
    if not payouts:
        raise NotFound(f"no batch {batch_id}", code="unknown_batch")
    path.write_bytes(export_result(payouts, path.suffix.lower().lstrip(".") or "csv"))
    return len(payouts)
