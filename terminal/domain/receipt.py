"""Receipts: plain data built from a paid sale, a refund or a void, and its text for a 42-column receipt printer.

A receipt only ever holds a card's last four digits, masked as "**** 4242".
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from enum import StrEnum
from typing import Any

from terminal.domain._checks import iso_utc, parse_utc, require_int, require_text, require_utc
from terminal.domain.errors import RecordError, SaleStateError
from terminal.domain.money import Money
from terminal.domain.sale import Refund, Sale
from terminal.domain.tax import TaxSummary
from terminal.domain.tender import Tender, TenderKind


class ReceiptKind(StrEnum):
    SALE = "sale"
    REFUND = "refund"
    VOID = "void"


_TITLES = {ReceiptKind.SALE: "SALE", ReceiptKind.REFUND: "REFUND", ReceiptKind.VOID: "VOID"}


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    name: str
    quantity: int
    unit_price: Money
    discount: Money  # all discounts on the line, as a positive amount
    amount: Money  # after discounts: tax included for tax-inclusive lines, before tax otherwise

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "quantity": self.quantity,
            "unit_price": self.unit_price.to_dict(),
            "discount": self.discount.to_dict(),
            "amount": self.amount.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReceiptLine:
        return cls(
            data["name"],
            require_int(data["quantity"], "quantity"),
            Money.from_dict(data["unit_price"]),
            Money.from_dict(data["discount"]),
            Money.from_dict(data["amount"]),
        )


@dataclass(frozen=True, slots=True)
class ReceiptTender:
    kind: TenderKind
    amount: Money
    card: str | None  # "**** 4242" or None
    reference: str

    @classmethod
    def of(cls, tender: Tender) -> ReceiptTender:
        return cls(tender.kind, tender.amount, tender.masked_card, tender.reference)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": str(self.kind), "amount": self.amount.to_dict(), "card": self.card, "reference": self.reference}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReceiptTender:
        card = data["card"]
        if card is not None and not (isinstance(card, str) and len(card) == 9 and card.startswith("**** ")
                                     and card[5:].isdigit()):
            raise RecordError("A receipt keeps only a masked card: **** and four digits.",
                              code="receipt_card_not_masked")
        return cls(TenderKind(data["kind"]), Money.from_dict(data["amount"]), card, data["reference"])


@dataclass(frozen=True, slots=True)
class Receipt:
    """Everything printed on one receipt. Amounts are positive; `kind` says which way the money went."""

    kind: ReceiptKind
    document_id: str  # the sale, refund or void id
    sale_id: str
    terminal_id: str
    issued_at: datetime
    currency: str
    lines: tuple[ReceiptLine, ...]
    subtotal: Money
    discount: Money
    taxes: tuple[TaxSummary, ...]
    total: Money
    tenders: tuple[ReceiptTender, ...]
    change: Money
    reason: str = ""
    header: tuple[str, ...] = ()  # shop name, address, tax id: from the site configuration

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", ReceiptKind(self.kind))
        object.__setattr__(self, "issued_at", require_utc(self.issued_at, "receipt time"))
        for name in ("lines", "taxes", "tenders", "header"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        require_text(self.document_id, "document id")

    @classmethod
    def for_sale(cls, sale: Sale, header: Iterable[str] = ()) -> Receipt:
        if sale.completed_at is None:
            raise SaleStateError("The sale is not paid yet; there is no receipt to print.",
                                 code="receipt_sale_not_paid")
        return cls._of_sale(sale, ReceiptKind.SALE, sale.sale_id, sale.terminal_id, sale.completed_at, header)

    @classmethod
    def for_refund(cls, sale: Sale, refund: Refund, header: Iterable[str] = ()) -> Receipt:
        if refund.sale_id != sale.sale_id:
            raise RecordError("This refund is for another sale.", code="refund_of_another_sale")
        lines = tuple(
            ReceiptLine(x.name, x.quantity, x.unit_price, x.unit_price * x.quantity - x.amount, x.amount)
            for x in refund.lines
        )
        return cls(
            kind=ReceiptKind.REFUND,
            document_id=refund.refund_id,
            sale_id=sale.sale_id,
            terminal_id=refund.terminal_id,
            issued_at=refund.created_at,
            currency=refund.currency,
            lines=lines,
            subtotal=Money.total((x.unit_price * x.quantity for x in lines), refund.currency),
            discount=Money.total((x.discount for x in lines), refund.currency),
            taxes=refund.taxes,
            total=refund.total,
            tenders=tuple(ReceiptTender.of(t) for t in refund.tenders),
            change=Money.zero(refund.currency),
            reason=refund.reason,
            header=tuple(header),
        )

    @classmethod
    def for_void(cls, sale: Sale, header: Iterable[str] = ()) -> Receipt:
        """The voided sale in full; its tenders are the payments to reverse."""
        void = sale.void_record
        if void is None:
            raise SaleStateError("This sale is not voided.", code="sale_not_voided")
        return cls._of_sale(sale, ReceiptKind.VOID, void.void_id, void.terminal_id, void.voided_at, header,
                            void.reason)

    @classmethod
    def _of_sale(cls, sale: Sale, kind: ReceiptKind, document_id: str, terminal_id: str, issued_at: datetime,
                 header: Iterable[str], reason: str = "") -> Receipt:
        """A receipt showing the whole sale (a sale receipt, or the void slip that reverses it)."""
        totals = sale.totals
        return cls(
            kind=kind,
            document_id=document_id,
            sale_id=sale.sale_id,
            terminal_id=terminal_id,
            issued_at=issued_at,
            currency=sale.currency,
            lines=tuple(ReceiptLine(x.name, x.quantity, x.unit_price, x.discount, x.amount) for x in sale.lines),
            subtotal=totals.subtotal,
            discount=totals.discount,
            taxes=totals.taxes,
            total=totals.total,
            tenders=tuple(ReceiptTender.of(t) for t in sale.tenders),
            change=sale.change_due,
            reason=reason,
            header=tuple(header),
        )

    # -- text -----------------------------------------------------------------------------------------------------

    def render_text(self, width: int = 42, tz: tzinfo = UTC) -> str:
        """Plain text, no line wider than `width` printer columns (CJK characters count two), times shown in `tz`."""
        if require_int(width, "width") < 24:
            raise ValueError("a receipt needs at least 24 columns")
        rule = "-" * width
        out: list[str] = [_center(h, width) for line in self.header for h in _wrap(line, width)]
        out.append(_center(_TITLES[self.kind], width))
        out += _row("Time", self.issued_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z"), width)
        out += _row("Terminal", self.terminal_id, width)
        out += _row("Sale", self.sale_id, width)
        if self.kind is not ReceiptKind.SALE:
            out += _row(_TITLES[self.kind].title(), self.document_id, width)
        out.append(rule)
        for line in self.lines:
            out += _wrap(line.name, width)
            out += _row(f"  {line.quantity} x {line.unit_price.major_text()}", line.amount.major_text(), width)
            if line.discount.is_positive:
                out += _row("  Discount", (-line.discount).major_text(), width)
        out.append(rule)
        out += _row("Subtotal", self.subtotal.major_text(), width)
        if self.discount.is_positive:
            out += _row("Discount", (-self.discount).major_text(), width)
        for summary in self.taxes:
            rate = summary.rate
            label = f"{'incl. ' if rate.inclusive else ''}{rate.code} {rate.percent_text}%"
            out += _row(label, summary.tax.major_text(), width)
        title = "REFUND TOTAL" if self.kind is ReceiptKind.REFUND else "TOTAL"
        out += _row(f"{title} {self.currency}", self.total.major_text(), width)
        if self.tenders:
            out.append(rule)
            if self.kind is ReceiptKind.VOID:
                out.append("Payments to reverse:")
        for tender in self.tenders:
            label = tender.kind.label + (f" {tender.card}" if tender.card else "")
            out += _row(label, tender.amount.major_text(), width)
            if tender.reference:
                out += _row("  Ref", tender.reference, width)
        if self.change.is_positive:
            out += _row("Change", self.change.major_text(), width)
        if self.reason:
            out.append(rule)
            out += _wrap(f"Reason: {self.reason}", width)
        return "\n".join(out) + "\n"

    # -- records --------------------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "receipt",
            "kind": str(self.kind),
            "document_id": self.document_id,
            "sale_id": self.sale_id,
            "terminal_id": self.terminal_id,
            "issued_at": iso_utc(self.issued_at),
            "currency": self.currency,
            "lines": [line.to_dict() for line in self.lines],
            "subtotal": self.subtotal.to_dict(),
            "discount": self.discount.to_dict(),
            "taxes": [t.to_dict() for t in self.taxes],
            "total": self.total.to_dict(),
            "tenders": [t.to_dict() for t in self.tenders],
            "change": self.change.to_dict(),
            "reason": self.reason,
            "header": list(self.header),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Receipt:
        if data.get("type") != "receipt":
            raise RecordError("This is not a receipt record.", code="not_a_receipt_record")
        return cls(
            kind=ReceiptKind(data["kind"]),
            document_id=data["document_id"],
            sale_id=data["sale_id"],
            terminal_id=data["terminal_id"],
            issued_at=parse_utc(data["issued_at"], "receipt time"),
            currency=data["currency"],
            lines=tuple(ReceiptLine.from_dict(x) for x in data["lines"]),
            subtotal=Money.from_dict(data["subtotal"]),
            discount=Money.from_dict(data["discount"]),
            taxes=tuple(TaxSummary.from_dict(x) for x in data["taxes"]),
            total=Money.from_dict(data["total"]),
            tenders=tuple(ReceiptTender.from_dict(x) for x in data["tenders"]),
            change=Money.from_dict(data["change"]),
            reason=data["reason"],
            header=tuple(data["header"]),
        )


# -- printer columns: East Asian wide and full-width characters take two ---------------------------------------------


def _columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _cut(text: str, width: int) -> tuple[str, str]:
    """The longest head of `text` that fits `width` columns, and the rest."""
    used = 0
    for i, c in enumerate(text):
        used += _columns(c)
        if used > width:
            return text[:i], text[i:]
    return text, ""


def _wrap(text: str, width: int) -> list[str]:
    """Word-wrap to `width` columns; a word longer than a line (or text without spaces, as in Chinese) is cut."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if _columns(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
        while _columns(current) > width:
            head, current = _cut(current, width)
            lines.append(head)
    if current:
        lines.append(current)
    return lines


def _row(left: str, right: str, width: int) -> list[str]:
    """`left` and `right` on one line, right-aligned; on two when they do not fit together."""
    gap = width - _columns(left) - _columns(right)
    if gap >= 1:
        return [left + " " * gap + right]
    lines = [_cut(left, width)[0]]
    for chunk in _wrap(right, width):
        lines.append(" " * (width - _columns(chunk)) + chunk)
    return lines


def _center(text: str, width: int) -> str:
    text = _cut(text, width)[0]
    pad = (width - _columns(text)) // 2
    return " " * pad + text
