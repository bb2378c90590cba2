"""Adding up a shift from its journal records, one record at a time, so a report only reads what is new.

The record formats read here are the checkout's (terminal/checkout/machine.py) and the domain's to_dict() of Sale,
Refund and Void. Cash is followed as it moves through the drawer: every approved cash tender goes in (even if the
sale is then cancelled and the cash handed back, which `sale.cancelled.cash_returned` says), change goes out, and a
voided sale's kept cash (cash taken - change) goes back to the customer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from terminal.domain import Money
from terminal.shifts.report import CurrencyTotals, TenderTotal


@dataclass(frozen=True, slots=True)
class SaleFacts:
    """What a void needs of the voided sale: its total and the cash it kept."""

    currency: str
    total: int
    cash_kept: int

    @classmethod
    def of(cls, sale: Mapping[str, Any]) -> SaleFacts:
        cash = sum(t["amount"]["amount"] for t in sale["tenders"] if t["kind"] == "cash")
        return cls(sale["currency"], sale["totals"]["total"]["amount"], cash - sale["change"]["amount"])


FindSale = Callable[[str, int], "SaleFacts | None"]  # (sale_id, before seq) -> the sale, looked up in older records

_COUNTERS = ("sales_count", "gross", "tax", "refunds_count", "refunds", "voids_count", "voids", "change_given",
             "offline_count", "offline_amount", "cash_float", "cash_taken", "cash_refunded", "cash_returned",
             "cash_voided")


@dataclass
class _Currency:
    values: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_COUNTERS, 0))
    tenders: dict[str, list[int]] = field(default_factory=dict)  # kind -> [count, amount]
    refund_tenders: dict[str, list[int]] = field(default_factory=dict)


def _add_tender(into: dict[str, list[int]], kind: str, amount: int) -> None:
    count_amount = into.setdefault(kind, [0, 0])
    count_amount[0] += 1
    count_amount[1] += amount


class Tally:
    """Running totals of one shift; `feed` every record after its `shift.opened`, in order."""

    def __init__(self, opened_seq: int, cash_float: Mapping[str, Money], find_sale: FindSale) -> None:
        self.upto = opened_seq  # the last record fed
        self._find_sale = find_sale
        self._currencies: dict[str, _Currency] = {}
        self._sales: dict[str, SaleFacts] = {}
        self.cancelled_sales = self.declined_tenders = self.no_sale_opens = self.unmatched_voids = 0
        self.x_reports = 0
        for code, money in cash_float.items():
            self._cur(code).values["cash_float"] += money.amount

    def _cur(self, code: str) -> _Currency:
        return self._currencies.setdefault(code, _Currency())

    def feed(self, seq: int, record_type: str, payload: Callable[[], dict[str, Any]]) -> None:
        """Count one record; `payload` is only called for the types a report reads (parsing JSON costs)."""
        self.upto = seq
        handler = _HANDLERS.get(record_type)
        if handler is not None:
            handler(self, seq, payload())

    def _sale(self, seq: int, p: dict[str, Any]) -> None:
        facts = SaleFacts.of(p)
        self._sales[p["sale_id"]] = facts
        v = self._cur(facts.currency)
        v.values["sales_count"] += 1
        v.values["gross"] += facts.total
        v.values["tax"] += p["totals"]["tax"]["amount"]
        v.values["change_given"] += p["change"]["amount"]
        for tender in p["tenders"]:
            _add_tender(v.tenders, tender["kind"], tender["amount"]["amount"])

    def _tender(self, seq: int, p: dict[str, Any]) -> None:
        v = self._cur(p["amount"]["currency"])
        if p["kind"] == "cash":
            v.values["cash_taken"] += p["amount"]["amount"]
        if p.get("offline"):
            v.values["offline_count"] += 1
            v.values["offline_amount"] += p["amount"]["amount"]

    def _refund(self, seq: int, p: dict[str, Any]) -> None:
        v = self._cur(p["currency"])
        v.values["refunds_count"] += 1
        v.values["refunds"] += p["total"]["amount"]
        for tender in p["tenders"]:
            _add_tender(v.refund_tenders, tender["kind"], tender["amount"]["amount"])
            if tender["kind"] == "cash":
                v.values["cash_refunded"] += tender["amount"]["amount"]

    def _void(self, seq: int, p: dict[str, Any]) -> None:
        facts = self._sales.get(p["sale_id"]) or self._find_sale(p["sale_id"], seq)
        if facts is None:
            self.unmatched_voids += 1
            return
        v = self._cur(facts.currency)
        v.values["voids_count"] += 1
        v.values["voids"] += facts.total
        v.values["cash_voided"] += facts.cash_kept

    def _cancelled(self, seq: int, p: dict[str, Any]) -> None:
        self.cancelled_sales += 1
        cash = p.get("cash_returned")
        if cash:
            self._cur(cash["currency"]).values["cash_returned"] += cash["amount"]

    def _declined(self, seq: int, p: dict[str, Any]) -> None:
        self.declined_tenders += 1

    def _drawer(self, seq: int, p: dict[str, Any]) -> None:
        if p.get("reason") == "no_sale":
            self.no_sale_opens += 1

    def _x_report(self, seq: int, p: dict[str, Any]) -> None:
        self.x_reports += 1

    def totals(self, counted: Mapping[str, Money] | None = None) -> tuple[CurrencyTotals, ...]:
        """One CurrencyTotals per currency seen (float, sales, refunds, count), sorted by code."""
        codes = sorted(set(self._currencies) | set(counted or {}))
        out = []
        for code in codes:
            cur = self._currencies.get(code) or _Currency()
            ints = cur.values
            money = {name: Money(ints[name], code) for name in _COUNTERS if not name.endswith("_count")}
            tenders = tuple(TenderTotal(k, n, Money(a, code)) for k, (n, a) in sorted(cur.tenders.items()))
            refunds = tuple(TenderTotal(k, n, Money(a, code)) for k, (n, a) in sorted(cur.refund_tenders.items()))
            out.append(CurrencyTotals(code, ints["sales_count"], refunds_count=ints["refunds_count"],
                                      voids_count=ints["voids_count"], offline_count=ints["offline_count"],
                                      tenders=tenders, refund_tenders=refunds,
                                      counted=None if counted is None else counted.get(code, Money(0, code)),
                                      **money))
        return tuple(out)


_HANDLERS: dict[str, Callable[[Tally, int, dict[str, Any]], None]] = {
    "sale.completed": Tally._sale,
    "tender.approved": Tally._tender,
    "refund.completed": Tally._refund,
    "sale.voided": Tally._void,
    "sale.cancelled": Tally._cancelled,
    "tender.declined": Tally._declined,
    "tender.failed": Tally._declined,  # the card pulled out, a damaged chip: an attempt that failed counts too
    "drawer.opened": Tally._drawer,
    "shift.x_report": Tally._x_report,
}
