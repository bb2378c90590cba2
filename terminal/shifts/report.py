"""The X (mid-shift) and Z (close) report: what a shift took, per currency and tender, and the cash count.

A report is a value computed from the shift's journal records (terminal/shifts/tally.py) and stored whole in the
journal (`shift.x_report`, `shift.closed`), so a reprint or an audit reads exactly what the manager signed off.
`lines()` is the on-screen preview and is the same text the printer gets (`document()`), in English or Chinese.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from drivers.printer.document import format_money
from drivers.printer.report import ReportDocument, ReportRow, ReportSection, report_lines
from terminal.domain import Money, TenderKind
from terminal.domain._checks import iso_utc, parse_utc

LANGS = ("en", "zh_CN")

_LABELS: dict[str, tuple[str, str]] = {
    "X": ("X REPORT (shift open)", "X 报表（班中）"),
    "Z": ("Z REPORT (shift closed)", "Z 报表（交班）"),
    "terminal": ("Terminal", "终端"),
    "z_number": ("Z number", "Z 编号"),
    "x_number": ("X number", "X 编号"),
    "opened": ("Opened", "开班"),
    "opened_by": ("Opened by", "开班人"),
    "taken": ("Taken", "打印时间"),
    "closed": ("Closed", "交班"),
    "closed_by": ("Closed by", "交班人"),
    "approved_by": ("Approved by", "批准人"),
    "records": ("Journal records", "流水记录"),
    "sales": ("Sales", "销售"),
    "tax": ("  of which tax", "  其中税额"),
    "refunds": ("Refunds", "退款"),
    "voids": ("Voids", "撤销"),
    "net": ("Net sales", "净销售额"),
    "tenders": ("Payments", "收款方式"),
    "refund_tenders": ("Refunds paid by", "退款方式"),
    "offline": ("Approved offline", "离线批准"),
    "drawer": ("Cash drawer", "钱箱现金"),
    "float": ("Opening float", "备用金"),
    "cash_taken": ("+ Cash taken", "+ 收入现金"),
    "change": ("- Change given", "- 找零"),
    "cash_refunded": ("- Cash refunds", "- 现金退款"),
    "cash_returned": ("- Returned on cancel", "- 取消退还"),
    "cash_voided": ("- Voided cash sales", "- 撤销现金销售"),
    "expected": ("Expected cash", "应有现金"),
    "counted": ("Counted", "实点现金"),
    "variance": ("Variance", "差额"),
    "events": ("Other events", "其他事件"),
    "cancelled": ("Cancelled sales", "取消的销售"),
    "declined": ("Declined or failed payments", "被拒或失败付款"),
    "no_sale": ("No-sale drawer opens", "无销售开钱箱"),
    "unmatched": ("Voids of unknown sales", "找不到原销售的撤销"),
    "end": ("End of report", "报表结束"),
}
_KINDS: dict[str, tuple[str, str]] = {
    "cash": ("Cash", "现金"),
    "card_contact": ("Card", "银行卡"),
    "card_contactless": ("Card contactless", "银行卡闪付"),
    "qr_customer": ("QR (customer code)", "付款码"),
    "qr_merchant": ("QR (shop code)", "收款码"),
    "cbdc_wallet": ("Digital currency", "数字人民币"),
}


def _label(key: str, lang: str) -> str:
    return _LABELS[key][LANGS.index(lang)]


def _kind(kind: str, lang: str) -> str:
    return _KINDS.get(kind, (kind, kind))[LANGS.index(lang)]


@dataclass(frozen=True, slots=True)
class TenderTotal:
    """Count and amount of one tender kind in one currency."""

    kind: str
    count: int
    amount: Money

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "count": self.count, "amount": self.amount.to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TenderTotal:
        return cls(str(TenderKind(data["kind"])), data["count"], Money.from_dict(data["amount"]))


_MONEY_FIELDS = ("gross", "tax", "refunds", "voids", "change_given", "offline_amount", "cash_float", "cash_taken",
                 "cash_refunded", "cash_returned", "cash_voided")


@dataclass(frozen=True, slots=True)
class CurrencyTotals:
    """Everything of one currency. Amounts are Money in `currency`; `counted` is None until the Z count."""

    currency: str
    sales_count: int
    gross: Money  # completed sales, tax included
    tax: Money
    refunds_count: int
    refunds: Money
    voids_count: int
    voids: Money  # totals of the voided sales
    change_given: Money
    offline_count: int  # tenders approved without the hub
    offline_amount: Money
    cash_float: Money
    cash_taken: Money  # every cash tender approved, completed sale or not
    cash_refunded: Money
    cash_returned: Money  # handed back when a part-paid sale was cancelled
    cash_voided: Money  # cash kept from sales voided later (cash taken - change), handed back
    tenders: tuple[TenderTotal, ...] = ()
    refund_tenders: tuple[TenderTotal, ...] = ()
    counted: Money | None = None

    @property
    def net(self) -> Money:
        return self.gross - self.refunds - self.voids

    @property
    def expected_cash(self) -> Money:
        return (self.cash_float + self.cash_taken - self.change_given - self.cash_refunded - self.cash_returned
                - self.cash_voided)

    @property
    def variance(self) -> Money | None:
        """Counted minus expected: positive is over (more cash than expected), negative is short."""
        return None if self.counted is None else self.counted - self.expected_cash

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"currency": self.currency, "sales_count": self.sales_count,
                               "refunds_count": self.refunds_count, "voids_count": self.voids_count,
                               "offline_count": self.offline_count}
        out.update({name: getattr(self, name).to_dict() for name in _MONEY_FIELDS})
        out["tenders"] = [t.to_dict() for t in self.tenders]
        out["refund_tenders"] = [t.to_dict() for t in self.refund_tenders]
        out["net"] = self.net.to_dict()
        out["expected_cash"] = self.expected_cash.to_dict()
        out["counted"] = None if self.counted is None else self.counted.to_dict()
        out["variance"] = None if self.variance is None else self.variance.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CurrencyTotals:
        names = {f.name for f in fields(cls)}
        kwargs: dict[str, Any] = {k: v for k, v in data.items() if k in names}
        kwargs.update({name: Money.from_dict(data[name]) for name in _MONEY_FIELDS})
        kwargs["tenders"] = tuple(TenderTotal.from_dict(t) for t in data["tenders"])
        kwargs["refund_tenders"] = tuple(TenderTotal.from_dict(t) for t in data["refund_tenders"])
        kwargs["counted"] = None if data["counted"] is None else Money.from_dict(data["counted"])
        return cls(**kwargs)


@dataclass(frozen=True, slots=True)
class ShiftReport:
    """An X report (`kind` "X", numbered within its shift) or the Z report (`kind` "Z", `number` = Z number)."""

    kind: str
    number: int
    shift_id: str
    terminal_id: str
    z_number: int
    opened_at: datetime
    opened_by: str
    at: datetime  # when this report was taken (the close, for a Z)
    by: str  # who took it (who closed, for a Z)
    first_seq: int  # the shift.opened record
    last_seq: int  # the last journal record counted
    currencies: tuple[CurrencyTotals, ...]
    cancelled_sales: int = 0
    declined_tenders: int = 0
    no_sale_opens: int = 0
    unmatched_voids: int = 0  # voids whose sale was not found in the journal (amount unknown)
    approved_by: str | None = None  # the manager who authorised the close

    @property
    def closed_at(self) -> datetime | None:
        return self.at if self.kind == "Z" else None

    @property
    def closed_by(self) -> str | None:
        return self.by if self.kind == "Z" else None

    def currency(self, code: str) -> CurrencyTotals:
        for totals in self.currencies:
            if totals.currency == code:
                return totals
        raise KeyError(f"this report has nothing in {code}")

    def to_dict(self) -> dict[str, Any]:
        """JSON types only: what `shift.x_report` and `shift.closed` store."""
        return {
            "type": "shift_report", "kind": self.kind, "number": self.number, "shift_id": self.shift_id,
            "terminal_id": self.terminal_id, "z_number": self.z_number, "opened_at": iso_utc(self.opened_at),
            "opened_by": self.opened_by, "at": iso_utc(self.at), "by": self.by,
            "closed_at": None if self.closed_at is None else iso_utc(self.closed_at), "closed_by": self.closed_by,
            "approved_by": self.approved_by, "first_seq": self.first_seq, "last_seq": self.last_seq,
            "currencies": [c.to_dict() for c in self.currencies], "cancelled_sales": self.cancelled_sales,
            "declined_tenders": self.declined_tenders, "no_sale_opens": self.no_sale_opens,
            "unmatched_voids": self.unmatched_voids,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ShiftReport:
        return cls(
            kind=data["kind"], number=data["number"], shift_id=data["shift_id"], terminal_id=data["terminal_id"],
            z_number=data["z_number"], opened_at=parse_utc(data["opened_at"], "shift opening time"),
            opened_by=data["opened_by"], at=parse_utc(data["at"], "report time"), by=data["by"],
            first_seq=data["first_seq"], last_seq=data["last_seq"],
            currencies=tuple(CurrencyTotals.from_dict(c) for c in data["currencies"]),
            cancelled_sales=data["cancelled_sales"], declined_tenders=data["declined_tenders"],
            no_sale_opens=data["no_sale_opens"], unmatched_voids=data["unmatched_voids"],
            approved_by=data["approved_by"],
        )

    # --- presentation -------------------------------------------------------------------------------------------

    def document(self, lang: str = "en", header: tuple[str, ...] = ()) -> ReportDocument:
        """The printable document (drivers.printer.report), labels in `lang` ("en" or "zh_CN")."""
        if lang not in LANGS:
            raise ValueError(f"report language must be one of {LANGS}")
        lab = lambda key: _label(key, lang)  # noqa: E731
        when = lambda t: t.strftime("%Y-%m-%d %H:%M UTC")  # noqa: E731
        meta = [ReportRow(lab("terminal"), self.terminal_id), ReportRow(lab("z_number"), str(self.z_number))]
        if self.kind == "X":
            meta.append(ReportRow(lab("x_number"), str(self.number)))
        meta += [ReportRow(lab("opened"), when(self.opened_at)), ReportRow(lab("opened_by"), self.opened_by)]
        if self.kind == "Z":
            meta += [ReportRow(lab("closed"), when(self.at)), ReportRow(lab("closed_by"), self.by)]
            if self.approved_by and self.approved_by != self.by:
                meta.append(ReportRow(lab("approved_by"), self.approved_by))
        else:
            meta.append(ReportRow(lab("taken"), when(self.at)))
        meta.append(ReportRow(lab("records"), f"{self.first_seq}-{self.last_seq}"))
        sections = [self._currency_section(c, lang) for c in self.currencies]
        events = [ReportRow(lab("cancelled"), str(self.cancelled_sales)),
                  ReportRow(lab("declined"), str(self.declined_tenders)),
                  ReportRow(lab("no_sale"), str(self.no_sale_opens))]
        if self.unmatched_voids:
            events.append(ReportRow(lab("unmatched"), str(self.unmatched_voids), emphasis=True))
        sections.append(ReportSection(lab("events"), tuple(events)))
        return ReportDocument(title=lab(self.kind), header=tuple(header), meta=tuple(meta),
                              sections=tuple(sections), footer=(lab("end"),))

    @staticmethod
    def _currency_section(c: CurrencyTotals, lang: str) -> ReportSection:
        lab = lambda key: _label(key, lang)  # noqa: E731
        m = lambda money: format_money(money.amount, money.currency)  # noqa: E731
        rows = [ReportRow(f"{lab('sales')} ({c.sales_count})", m(c.gross)), ReportRow(lab("tax"), m(c.tax)),
                ReportRow(f"{lab('refunds')} ({c.refunds_count})", m(-c.refunds)),
                ReportRow(f"{lab('voids')} ({c.voids_count})", m(-c.voids)),
                ReportRow(lab("net"), m(c.net), emphasis=True), ReportRow(lab("tenders"))]
        rows += [ReportRow(f"  {_kind(t.kind, lang)} ({t.count})", m(t.amount)) for t in c.tenders]
        if c.refund_tenders:
            rows.append(ReportRow(lab("refund_tenders")))
            rows += [ReportRow(f"  {_kind(t.kind, lang)} ({t.count})", m(t.amount)) for t in c.refund_tenders]
        rows.append(ReportRow(f"{lab('offline')} ({c.offline_count})", m(c.offline_amount)))
        rows.append(ReportRow(lab("drawer")))
        for key in ("float", "cash_taken", "change", "cash_refunded", "cash_returned", "cash_voided"):
            money = {"float": c.cash_float, "change": c.change_given}.get(key) or getattr(c, key)
            rows.append(ReportRow(f"  {lab(key)}", m(money)))
        rows.append(ReportRow(lab("expected"), m(c.expected_cash), emphasis=True))
        if c.counted is not None and c.variance is not None:
            sign = "+" if c.variance.is_positive else ""
            rows += [ReportRow(lab("counted"), m(c.counted)),
                     ReportRow(lab("variance"), sign + m(c.variance), emphasis=True)]
        return ReportSection(c.currency, tuple(rows))

    def lines(self, lang: str = "en", columns: int = 48, header: tuple[str, ...] = ()) -> list[str]:
        """The on-screen preview: the very lines the printer prints at `columns` (48 = 80 mm paper)."""
        return report_lines(self.document(lang, header), columns)
