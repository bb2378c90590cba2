"""Reconciliation of an ERP's orders against the hub's payments: what `edgepos reconcile` and the upload page run.

Inputs are UTF-8 CSV files with a header row (exact column names, see `ORDER_COLUMNS` / `PAYMENT_COLUMNS`; the
payments file is what `edgepos hub export payments` writes). A row that cannot be read is reported with its file and
line number and skipped; it never stops the rest.

How payments are matched to orders:
1. Payments are grouped into sales by `sale_id` (an order paid by several tenders - a split - is one sale);
   refunds (`refund_of` set, negative amount) join the sale of the payment they refund. A refund whose original is
   not in the file is `refund_without_payment`.
2. An order whose `payment_ref` names a sale is matched to it (confidence 1.0); a different currency or total is
   `currency_mismatch` / `amount_mismatch`. Refunds of the sale, full or partial, are matched with it, not flagged.
3. Orders without a usable `payment_ref` are matched, oldest first (those naming a terminal before those that do not),
   to the unmatched sale of the same currency and amount closest in time (within `WINDOW`), on the order's terminal
   when the order names one. The confidence says
   how sure: lower without a terminal, further apart in time, or when other sales fitted as well.
4. A sale left over that repeats a matched sale (same terminal, currency and amount within `DUPLICATE_WINDOW`) is
   `duplicate_payment` of that sale's order; any other sale left over is `unmatched_payment`, any order left over
   `missing_payment`.

Without a `payment_ref` an order whose amount differs from its payment cannot be told from a missing payment plus a
stray one: both are flagged (`missing_payment` and `unmatched_payment`).
"""

from __future__ import annotations

import csv
import io
import json
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from hub.backoffice.money import BadAmount, to_major, to_minor

ORDER_COLUMNS = ("order_id", "created_at", "amount", "currency", "terminal_id", "payment_ref")
PAYMENT_COLUMNS = ("payment_id", "sale_id", "time", "amount", "currency", "tender", "terminal_id", "refund_of")
FLAG_KINDS = ("amount_mismatch", "currency_mismatch", "missing_payment", "unmatched_payment", "duplicate_payment",
              "refund_without_payment")
WINDOW = timedelta(minutes=30)  # an ERP order and its payment are this close at most, to be matched without a ref
DUPLICATE_WINDOW = timedelta(minutes=15)
MAX_FIELD = 200  # characters in one id field; longer is not an id

FlagKind = Literal["amount_mismatch", "currency_mismatch", "missing_payment", "unmatched_payment",
                   "duplicate_payment", "refund_without_payment"]


class ReconcileInputError(ValueError):
    """A whole file cannot be read (not UTF-8, no header, a required column missing)."""


@dataclass(slots=True)
class Order:
    order_id: str
    created_at: datetime
    amount: int
    currency: str
    terminal_id: str
    payment_ref: str
    line: int


@dataclass(slots=True)
class Payment:
    payment_id: str
    sale_id: str
    time: datetime
    amount: int
    currency: str
    tender: str
    terminal_id: str
    refund_of: str
    line: int


@dataclass(slots=True)
class Sale:
    """The payments of one sale (its tenders) and the refunds against them."""

    sale_id: str
    payments: list[Payment] = field(default_factory=list)
    refunds: list[Payment] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(p.amount for p in self.payments)

    @property
    def currency(self) -> str:
        return self.payments[0].currency

    @property
    def terminal_id(self) -> str:
        return self.payments[0].terminal_id

    @property
    def time(self) -> datetime:
        return min(p.time for p in self.payments)

    def ids(self) -> list[str]:
        return [p.payment_id for p in self.payments] + [r.payment_id for r in self.refunds]


@dataclass(frozen=True, slots=True)
class Flag:
    kind: FlagKind
    order_ids: list[str]
    payment_ids: list[str]
    detail: str
    confidence: float = 1.0


@dataclass(frozen=True, slots=True)
class Match:
    order_id: str
    payment_ids: list[str]
    by: Literal["payment_ref", "amount_time"]
    confidence: float


@dataclass(frozen=True, slots=True)
class Unreadable:
    file: Literal["orders", "payments"]
    line: int
    error: str


@dataclass
class Report:
    orders: int
    payments: int
    matched: int  # orders matched to their payments with nothing to flag
    flags: list[Flag]
    matches: list[Match]
    unreadable: list[Unreadable]

    def to_dict(self) -> dict[str, Any]:
        return {"orders": self.orders, "payments": self.payments, "matched": self.matched,
                "flags": [asdict(f) for f in self.flags], "unreadable": [asdict(u) for u in self.unreadable],
                "matches": [asdict(m) for m in self.matches]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    def counts(self) -> dict[str, int]:
        counted = dict.fromkeys(FLAG_KINDS, 0)
        for flag in self.flags:
            counted[flag.kind] += 1
        return counted


# --- reading --------------------------------------------------------------------------------------------------------


def _text(source: str | bytes | Path) -> str:
    if isinstance(source, Path):
        source = source.read_bytes()
    if isinstance(source, bytes):
        try:
            source = source.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ReconcileInputError(f"not UTF-8 text (byte {exc.start})") from None
    return source.removeprefix("\ufeff")


def _rows(source: str | bytes | Path, columns: tuple[str, ...], what: str) -> Iterable[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(_text(source), newline=""), strict=True)
    try:
        header = reader.fieldnames
    except csv.Error as exc:
        raise ReconcileInputError(f"{what}: the header row cannot be read ({exc})") from None
    if not header:
        raise ReconcileInputError(f"{what}: empty file (a header row is needed: {', '.join(columns)})")
    missing = [c for c in columns if c not in header]
    if missing:
        raise ReconcileInputError(f"{what}: column(s) {', '.join(missing)} missing from the header row "
                                  f"(expected: {', '.join(columns)})")
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield reader.line_num, {"\x00error": str(exc)}
            continue
        yield reader.line_num, row


def _field(row: dict[str, str], name: str, required: bool = True) -> str:
    value = row.get(name)
    if value is None:
        raise ValueError(f"{name} is missing (too few fields)")
    value = value.strip()
    if required and not value:
        raise ValueError(f"{name} is empty")
    if len(value) > MAX_FIELD or "\x00" in value:
        raise ValueError(f"{name} is not a plausible value")
    return value


def _time(text: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{name} {text[:40]!r} is not an ISO 8601 time") from None
    if moment.utcoffset() is None:
        raise ValueError(f"{name} {text[:40]!r} has no UTC offset")
    return moment


def _extra(row: dict[str, str]) -> None:
    if None in row:  # DictReader files surplus fields under the key None
        raise ValueError("more fields than the header row has")
    if "\x00error" in row:
        raise ValueError(row["\x00error"])


def read_orders(source: str | bytes | Path) -> tuple[list[Order], list[Unreadable]]:
    orders: list[Order] = []
    bad: list[Unreadable] = []
    seen: set[str] = set()
    for line, row in _rows(source, ORDER_COLUMNS, "orders"):
        try:
            _extra(row)
            order_id = _field(row, "order_id")
            if order_id in seen:
                raise ValueError(f"order_id {order_id!r} appears twice")
            currency = _field(row, "currency")
            order = Order(order_id, _time(_field(row, "created_at"), "created_at"),
                          to_minor(_field(row, "amount"), currency), currency, _field(row, "terminal_id", False),
                          _field(row, "payment_ref", False), line)
            if order.amount <= 0:
                raise ValueError("amount must be positive")
        except (ValueError, BadAmount) as exc:
            bad.append(Unreadable("orders", line, str(exc)))
            continue
        seen.add(order_id)
        orders.append(order)
    return orders, bad


def read_payments(source: str | bytes | Path) -> tuple[list[Payment], list[Unreadable]]:
    payments: list[Payment] = []
    bad: list[Unreadable] = []
    seen: set[str] = set()
    for line, row in _rows(source, PAYMENT_COLUMNS, "payments"):
        try:
            _extra(row)
            payment_id = _field(row, "payment_id")
            if payment_id in seen:
                raise ValueError(f"payment_id {payment_id!r} appears twice")
            currency = _field(row, "currency")
            payment = Payment(payment_id, _field(row, "sale_id"), _time(_field(row, "time"), "time"),
                              to_minor(_field(row, "amount"), currency), currency, _field(row, "tender", False),
                              _field(row, "terminal_id", False), _field(row, "refund_of", False), line)
            if payment.amount == 0:
                raise ValueError("amount is zero")
            if payment.refund_of and payment.amount > 0:
                raise ValueError("a refund (refund_of set) must have a negative amount")
        except (ValueError, BadAmount) as exc:
            bad.append(Unreadable("payments", line, str(exc)))
            continue
        seen.add(payment_id)
        payments.append(payment)
    return payments, bad


# --- matching -------------------------------------------------------------------------------------------------------


def reconcile_files(orders: str | bytes | Path, payments: str | bytes | Path) -> Report:
    """Read both files and reconcile them (ReconcileInputError when a whole file is unusable)."""
    order_rows, bad_orders = read_orders(orders)
    payment_rows, bad_payments = read_payments(payments)
    return reconcile(order_rows, payment_rows, bad_orders + bad_payments)


def reconcile(orders: list[Order], payments: list[Payment], unreadable: list[Unreadable] | None = None) -> Report:
    return _Matcher(orders, payments).run(unreadable or [])


def _money(amount: int, currency: str) -> str:
    return f"{to_major(amount, currency)} {currency}"


class _Matcher:
    def __init__(self, orders: list[Order], payments: list[Payment]) -> None:
        self.orders = orders
        self.payments = payments
        self.flags: list[Flag] = []
        self.matches: list[Match] = []
        self.sales: dict[str, Sale] = {}
        self.sale_of: dict[str, Sale] = {}  # order id -> its sale
        self.order_of: dict[str, Order] = {}  # sale id -> its order
        self.flagged: set[str] = set()  # order ids with a flag

    def run(self, unreadable: list[Unreadable]) -> Report:
        self._group()
        pending = self._by_reference()
        self._by_amount_and_time(pending)
        self._leftovers()
        matched = sum(1 for order_id in self.sale_of if order_id not in self.flagged)
        return Report(len(self.orders), len(self.payments), matched, self.flags, self.matches,
                      sorted(unreadable, key=lambda u: (u.file, u.line)))

    def _flag(self, kind: FlagKind, orders: list[Order], payment_ids: list[str], detail: str,
              confidence: float = 1.0) -> None:
        self.flags.append(Flag(kind, [o.order_id for o in orders], payment_ids, detail, round(confidence, 3)))
        self.flagged.update(o.order_id for o in orders)

    def _group(self) -> None:
        by_id: dict[str, Payment] = {}
        for payment in self.payments:
            by_id[payment.payment_id] = payment
            if payment.amount > 0 and not payment.refund_of:
                self.sales.setdefault(payment.sale_id, Sale(payment.sale_id)).payments.append(payment)
        for payment in self.payments:
            if payment.amount > 0 and not payment.refund_of:
                continue
            original = by_id.get(payment.refund_of) if payment.refund_of else None
            sale = self.sales.get(original.sale_id) if original is not None and original.amount > 0 else None
            if sale is None:
                why = (f"refunds payment {payment.refund_of}, which is not in the payments file" if payment.refund_of
                       else "a negative amount that names no original payment (refund_of is empty)")
                self._flag("refund_without_payment", [], [payment.payment_id],
                           f"{_money(payment.amount, payment.currency)} on {payment.terminal_id or '?'}: {why}")
                continue
            sale.refunds.append(payment)

    def _claim(self, order: Order, sale: Sale, by: Literal["payment_ref", "amount_time"], confidence: float) -> None:
        self.sale_of[order.order_id] = sale
        self.order_of[sale.sale_id] = order
        self.matches.append(Match(order.order_id, sale.ids(), by, round(confidence, 3)))

    def _by_reference(self) -> list[Order]:
        """Orders naming their sale; returns the orders left for matching by amount and time."""
        pending: list[Order] = []
        for order in self.orders:
            sale = self.sales.get(order.payment_ref) if order.payment_ref else None
            if sale is None or sale.sale_id in self.order_of:
                pending.append(order)
                continue
            self._claim(order, sale, "payment_ref", 1.0)
            self._compare(order, sale, 1.0)
        return pending

    def _compare(self, order: Order, sale: Sale, confidence: float) -> None:
        ids = sale.ids()
        if sale.currency != order.currency or any(p.currency != sale.currency for p in sale.payments):
            paid = ", ".join(sorted({_money(p.amount, p.currency) for p in sale.payments}))
            self._flag("currency_mismatch", [order], ids, f"order {order.order_id} is "
                       f"{_money(order.amount, order.currency)}; sale {sale.sale_id} was paid in {paid}", confidence)
        elif sale.total != order.amount:
            self._flag("amount_mismatch", [order], ids, f"order {order.order_id} is "
                       f"{_money(order.amount, order.currency)}; sale {sale.sale_id} took "
                       f"{_money(sale.total, sale.currency)} ({len(sale.payments)} tender(s))", confidence)

    def _by_amount_and_time(self, pending: list[Order]) -> None:
        buckets: dict[tuple[str, int], list[tuple[datetime, str]]] = defaultdict(list)
        for sale in self.sales.values():
            if sale.sale_id not in self.order_of:
                buckets[(sale.currency, sale.total)].append((sale.time, sale.sale_id))
        for bucket in buckets.values():
            bucket.sort()
        # orders naming their terminal first: an order without one must not take the only sale another order fits
        for order in sorted(pending, key=lambda o: (not o.terminal_id, o.created_at)):
            bucket = buckets.get((order.currency, order.amount))
            if not bucket:
                continue
            start = bisect_left(bucket, (order.created_at - WINDOW, ""))
            fits: list[tuple[timedelta, int]] = []
            for index in range(start, len(bucket)):
                when, sale_id = bucket[index]
                if when > order.created_at + WINDOW:
                    break
                sale = self.sales[sale_id]
                if sale_id in self.order_of or (order.terminal_id and sale.terminal_id != order.terminal_id):
                    continue
                fits.append((abs(when - order.created_at), index))
            if not fits:
                continue
            fits.sort()
            gap, index = fits[0]
            sale = self.sales[bucket[index][1]]
            confidence = 1.0 - 0.3 * (gap / WINDOW) - (0.0 if order.terminal_id else 0.15)
            if len(fits) > 1:
                confidence -= 0.25 if fits[1][0] - gap < timedelta(minutes=2) else 0.1
            self._claim(order, sale, "amount_time", max(confidence, 0.05))
            del bucket[index]

    def _leftovers(self) -> None:
        matched_index: dict[tuple[str, str, int], list[tuple[datetime, str]]] = defaultdict(list)
        for sale_id, _order in self.order_of.items():
            sale = self.sales[sale_id]
            matched_index[(sale.terminal_id, sale.currency, sale.total)].append((sale.time, sale_id))
        for sale in sorted(self.sales.values(), key=lambda s: s.time):
            if sale.sale_id in self.order_of:
                continue
            twins = [(abs(when - sale.time), sale_id) for when, sale_id in
                     matched_index.get((sale.terminal_id, sale.currency, sale.total), [])
                     if abs(when - sale.time) <= DUPLICATE_WINDOW]
            if twins:
                _, twin_id = min(twins)
                order = self.order_of[twin_id]
                self._flag("duplicate_payment", [order], [*self.sales[twin_id].ids(), *sale.ids()],
                           f"order {order.order_id} ({_money(order.amount, order.currency)}) was paid twice on "
                           f"terminal {sale.terminal_id or '?'}: sales {twin_id} and {sale.sale_id}",
                           1.0 - 0.5 * (min(twins)[0] / DUPLICATE_WINDOW))
                continue
            refunded = f", refunded {_money(-sum(r.amount for r in sale.refunds), sale.currency)}" \
                if sale.refunds else ""
            self._flag("unmatched_payment", [], sale.ids(), f"sale {sale.sale_id} on terminal "
                       f"{sale.terminal_id or '?'} at {sale.time.isoformat()} took "
                       f"{_money(sale.total, sale.currency)}{refunded}; no order matches it")
        for order in self.orders:
            if order.order_id in self.sale_of:
                continue
            why = (f"payment_ref {order.payment_ref} is not in the payments file" if order.payment_ref
                   and order.payment_ref not in self.sales else "no payment of that amount and currency near "
                   "that time" + (f" on terminal {order.terminal_id}" if order.terminal_id else ""))
            if order.payment_ref in self.order_of:
                why = f"payment_ref {order.payment_ref} is matched to order {self.order_of[order.payment_ref].order_id}"
            self._flag("missing_payment", [order], [], f"order {order.order_id} "
                       f"({_money(order.amount, order.currency)}, {order.created_at.isoformat()}): {why}")


# --- report files ---------------------------------------------------------------------------------------------------


def write_xlsx(report: Report, path: Path) -> None:
    """The report as a workbook: Summary, Flags, Matches, Unreadable rows (openpyxl, write-only: fast and small)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    summary = book.create_sheet("Summary")
    summary.append(["orders", report.orders])
    summary.append(["payments", report.payments])
    summary.append(["matched", report.matched])
    for kind, count in report.counts().items():
        summary.append([kind, count])
    summary.append(["unreadable rows", len(report.unreadable)])
    flags = book.create_sheet("Flags")
    flags.append(["kind", "order_ids", "payment_ids", "detail", "confidence"])
    for flag in report.flags:
        flags.append([flag.kind, _cell(" ".join(flag.order_ids)), _cell(" ".join(flag.payment_ids)),
                      _cell(flag.detail), flag.confidence])
    matches = book.create_sheet("Matches")
    matches.append(["order_id", "payment_ids", "by", "confidence"])
    for match in report.matches:
        matches.append([_cell(match.order_id), _cell(" ".join(match.payment_ids)), match.by, match.confidence])
    unreadable = book.create_sheet("Unreadable")
    unreadable.append(["file", "line", "error"])
    for row in report.unreadable:
        unreadable.append([row.file, row.line, _cell(row.error)])
    book.save(path)


def _cell(text: str) -> str:
    """Text from an uploaded file as a spreadsheet cell: never a formula (openpyxl stores "=..." as one)."""
    return "'" + text if text.startswith("=") else text
