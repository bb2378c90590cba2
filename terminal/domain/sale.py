"""A sale and what can happen to it afterwards: tenders, completion, one void, any number of partial refunds.

State machine: OPEN --complete()--> PAID; OPEN or PAID --void()--> VOIDED (once, and only before any refund).
Refunds are taken from a PAID sale, line by line, and can never return more of a line than was sold, across any
number of refunds. Voids and refunds are separate records referencing the sale by `sale_id`; `Sale.apply_void` and
`Sale.apply_refund` replay them from the journal with the same checks that created them.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from fractions import Fraction
from typing import Any

from terminal.domain._checks import iso_utc, parse_utc, require_int, require_text, require_utc
from terminal.domain.cart import Cart, PricedLine, Totals, check_lines
from terminal.domain.errors import (
    CartError,
    CurrencyMismatch,
    InvalidAmount,
    OverRefund,
    RecordError,
    SaleStateError,
    TenderError,
)
from terminal.domain.money import Money, Rounding, round_minor
from terminal.domain.tax import TaxBreakdown, TaxRate, TaxSummary, summarize_taxes
from terminal.domain.tender import Tender


class SaleStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"
    VOIDED = "voided"


def _new_id() -> str:
    return str(uuid.uuid4())


def _record_type(data: Mapping[str, Any], expected: str) -> None:
    if data.get("type") != expected:
        raise RecordError(f"This is not a {expected} record.",
                          code="record_of_other_kind", params={"expected": expected})


@dataclass(frozen=True, slots=True)
class Void:
    """Cancellation of a whole sale, approved by someone other than a plain cashier; payments are to be reversed."""

    void_id: str
    sale_id: str
    terminal_id: str
    reason: str
    approver_id: str
    voided_at: datetime

    def __post_init__(self) -> None:
        require_text(self.void_id, "void id")
        require_text(self.sale_id, "sale id")
        require_text(self.terminal_id, "terminal id")
        require_text(self.reason, "a reason for the void")
        require_text(self.approver_id, "an approver for the void")
        object.__setattr__(self, "voided_at", require_utc(self.voided_at, "void time"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "void",
            "void_id": self.void_id,
            "sale_id": self.sale_id,
            "terminal_id": self.terminal_id,
            "reason": self.reason,
            "approver_id": self.approver_id,
            "voided_at": iso_utc(self.voided_at),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Void:
        _record_type(data, "void")
        return cls(
            data["void_id"],
            data["sale_id"],
            data["terminal_id"],
            data["reason"],
            data["approver_id"],
            parse_utc(data["voided_at"], "void time"),
        )


@dataclass(frozen=True, slots=True)
class RefundLine:
    """Some units of one sale line going back, with their share of that line's net and tax."""

    line_no: int
    sku: str
    name: str
    unit_price: Money
    quantity: int
    tax_rate: TaxRate
    net: Money
    tax: Money
    gross: Money

    def __post_init__(self) -> None:
        require_text(self.sku, "SKU")
        require_text(self.name, "item name")
        if require_int(self.line_no, "line_no") < 1 or require_int(self.quantity, "quantity") < 1:
            raise InvalidAmount("Refund at least one unit of each line chosen.", code="refund_at_least_one_unit")
        TaxBreakdown(self.net, self.tax, self.gross)
        if self.net.is_negative or self.tax.is_negative:
            raise InvalidAmount("Refund amounts cannot be negative.", code="refund_amount_negative")

    @property
    def amount(self) -> Money:
        """As the sale line's `amount`: gross if tax is included, else net."""
        return self.gross if self.tax_rate.inclusive else self.net

    def to_dict(self) -> dict[str, Any]:
        return {
            "line_no": self.line_no,
            "sku": self.sku,
            "name": self.name,
            "unit_price": self.unit_price.to_dict(),
            "quantity": self.quantity,
            "tax_rate": self.tax_rate.to_dict(),
            "net": self.net.to_dict(),
            "tax": self.tax.to_dict(),
            "gross": self.gross.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RefundLine:
        return cls(
            data["line_no"],
            data["sku"],
            data["name"],
            Money.from_dict(data["unit_price"]),
            data["quantity"],
            TaxRate.from_dict(data["tax_rate"]),
            Money.from_dict(data["net"]),
            Money.from_dict(data["tax"]),
            Money.from_dict(data["gross"]),
        )


@dataclass(frozen=True, slots=True)
class Refund:
    """Money and goods going back against an earlier sale. Its tenders pay out exactly its total: no change."""

    refund_id: str
    sale_id: str
    terminal_id: str
    currency: str
    created_at: datetime
    reason: str
    approver_id: str
    lines: tuple[RefundLine, ...]
    tenders: tuple[Tender, ...]

    def __post_init__(self) -> None:
        require_text(self.refund_id, "refund id")
        require_text(self.sale_id, "sale id")
        require_text(self.terminal_id, "terminal id")
        require_text(self.reason, "a reason for the refund")
        require_text(self.approver_id, "an approver for the refund")
        object.__setattr__(self, "created_at", require_utc(self.created_at, "refund time"))
        object.__setattr__(self, "lines", tuple(self.lines))
        object.__setattr__(self, "tenders", tuple(self.tenders))
        if not self.lines:
            raise OverRefund("Choose at least one item to refund.", code="refund_choose_items")
        if len({line.line_no for line in self.lines}) != len(self.lines):
            raise RecordError("A refund lists the same sale line twice.", code="refund_line_twice")
        for line in self.lines:
            if line.gross.currency != self.currency:
                raise CurrencyMismatch(f"This refund is in {self.currency}; line {line.line_no} is not.",
                                       code="refund_line_currency_differs",
                                       params={"refund_currency": self.currency, "line": line.line_no})
        paid_out = Money.total((t.amount for t in self.tenders), self.currency)
        if paid_out != self.total:
            raise TenderError(f"Pay back exactly {self.total.format()} (the payments add up to {paid_out.format()}).",
                              code="refund_pay_back_exactly",
                              params={"total": self.total.format(), "paid_out": paid_out.format()})

    @property
    def total(self) -> Money:
        return Money.total((line.gross for line in self.lines), self.currency)

    @property
    def net(self) -> Money:
        return Money.total((line.net for line in self.lines), self.currency)

    @property
    def tax(self) -> Money:
        return Money.total((line.tax for line in self.lines), self.currency)

    @property
    def taxes(self) -> tuple[TaxSummary, ...]:
        return summarize_taxes(self.lines, self.currency)

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "refund",
            "refund_id": self.refund_id,
            "sale_id": self.sale_id,
            "terminal_id": self.terminal_id,
            "currency": self.currency,
            "created_at": iso_utc(self.created_at),
            "reason": self.reason,
            "approver_id": self.approver_id,
            "lines": [line.to_dict() for line in self.lines],
            "tenders": [t.to_dict() for t in self.tenders],
            "total": self.total.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Refund:
        _record_type(data, "refund")
        refund = cls(
            refund_id=data["refund_id"],
            sale_id=data["sale_id"],
            terminal_id=data["terminal_id"],
            currency=data["currency"],
            created_at=parse_utc(data["created_at"], "refund time"),
            reason=data["reason"],
            approver_id=data["approver_id"],
            lines=tuple(RefundLine.from_dict(line) for line in data["lines"]),
            tenders=tuple(Tender.from_dict(t) for t in data["tenders"]),
        )
        if refund.total.to_dict() != data["total"]:
            raise RecordError("The refund record's total does not match its lines.", code="refund_total_mismatch")
        return refund


def _back_after(line: PricedLine, units: int) -> tuple[Money, Money]:
    """Gross and tax returned once `units` of `line` are back, in total over all refunds.

    The gross is the units' share of the line's gross, and the tax that gross's share of the line's tax, both HALF_UP.
    A refund of units r+1..r+q returns back_after(r+q) - back_after(r): equal units get equal gross (within a minor
    unit), net and tax never go negative, and once every unit is back the refunds add up to exactly the line.
    """
    gross = round_minor(Fraction(line.gross.amount * units, line.quantity), Rounding.HALF_UP)
    tax = round_minor(Fraction(line.tax.amount * gross, line.gross.amount), Rounding.HALF_UP) if gross else 0
    return Money(gross, line.gross.currency), Money(tax, line.gross.currency)


class Sale:
    """A sale: a frozen snapshot of the priced cart lines, then the tenders that pay it and what happens after.

    Create with `Sale.from_cart`; change only through its methods, which refuse anything the rules forbid.
    """

    def __init__(
        self,
        *,
        terminal_id: str,
        created_at: datetime,
        currency: str,
        lines: Sequence[PricedLine],
        sale_id: str | None = None,
    ) -> None:
        self._sale_id = _new_id() if sale_id is None else require_text(sale_id, "sale id")
        self._terminal_id = require_text(terminal_id, "terminal id")
        self._created_at = require_utc(created_at, "sale time")
        self._lines = check_lines(lines, currency)
        self._currency = currency
        self._totals = Totals.of(self._lines, currency)
        self._tenders: list[Tender] = []
        self._status = SaleStatus.OPEN
        self._completed_at: datetime | None = None
        self._void: Void | None = None
        self._refunds: list[Refund] = []

    @classmethod
    def from_cart(
        cls, cart: Cart, *, terminal_id: str, created_at: datetime, sale_id: str | None = None
    ) -> Sale:
        """Freeze the cart's priced lines into a new OPEN sale; later changes to the cart do not reach it."""
        return cls(
            terminal_id=terminal_id,
            created_at=created_at,
            currency=cart.currency,
            lines=cart.priced_lines(),
            sale_id=sale_id,
        )

    # -- views ----------------------------------------------------------------------------------------------------

    @property
    def sale_id(self) -> str:
        return self._sale_id

    @property
    def terminal_id(self) -> str:
        return self._terminal_id

    @property
    def created_at(self) -> datetime:
        return self._created_at

    @property
    def completed_at(self) -> datetime | None:
        return self._completed_at

    @property
    def currency(self) -> str:
        return self._currency

    @property
    def status(self) -> SaleStatus:
        return self._status

    @property
    def lines(self) -> tuple[PricedLine, ...]:
        return self._lines

    @property
    def totals(self) -> Totals:
        return self._totals

    @property
    def total(self) -> Money:
        return self._totals.total

    @property
    def tenders(self) -> tuple[Tender, ...]:
        return tuple(self._tenders)

    @property
    def paid(self) -> Money:
        return Money.total((t.amount for t in self._tenders), self._currency)

    @property
    def remaining(self) -> Money:
        """Still to pay; zero once paid in full."""
        return max(self.total - self.paid, Money.zero(self._currency))

    @property
    def change_due(self) -> Money:
        """Cash to hand back. Only cash may overpay, so change never exceeds the cash taken."""
        return max(self.paid - self.total, Money.zero(self._currency))

    @property
    def void_record(self) -> Void | None:
        return self._void

    @property
    def refunds(self) -> tuple[Refund, ...]:
        return tuple(self._refunds)

    @property
    def refunded_total(self) -> Money:
        return Money.total((r.total for r in self._refunds), self._currency)

    def line(self, line_no: int) -> PricedLine:
        for line in self._lines:
            if line.line_no == line_no:
                return line
        raise CartError(f"Line {line_no} is not on this sale.", code="line_not_on_sale", params={"line": line_no})

    def refunded_quantity(self, line_no: int) -> int:
        return sum(rl.quantity for r in self._refunds for rl in r.lines if rl.line_no == line_no)

    def refundable_quantity(self, line_no: int) -> int:
        return self.line(line_no).quantity - self.refunded_quantity(line_no)

    # -- paying ---------------------------------------------------------------------------------------------------

    def _require_open(self) -> None:
        if self._status is SaleStatus.VOIDED:
            raise SaleStateError("This sale was voided.", code="sale_was_voided")
        if self._status is SaleStatus.PAID:
            raise SaleStateError("This sale is already paid.", code="sale_already_paid")

    def add_tender(self, tender: Tender) -> None:
        """Take a payment. Card, QR and wallet payments may not exceed what is due; cash may (change is due)."""
        self._require_open()
        if not isinstance(tender, Tender):
            raise TypeError("tender must be a Tender")
        if tender.amount.currency != self._currency:
            raise CurrencyMismatch(f"This sale is in {self._currency}; the payment is in {tender.amount.currency}.",
                                   code="payment_currency_differs",
                                   params={"sale_currency": self._currency, "payment_currency": tender.amount.currency})
        due = self.remaining
        if due.is_zero:
            raise TenderError("Nothing is left to pay.", code="nothing_left_to_pay")
        if not tender.is_cash and tender.amount > due:
            raise TenderError(f"Only cash can pay more than the {due.format()} due.",
                              code="only_cash_pays_more", params={"due": due.format()})
        self._tenders.append(tender)

    def complete(self, at: datetime) -> None:
        """OPEN -> PAID, once every minor unit is paid. `at` is when the customer was told "approved"."""
        self._require_open()
        completed_at = require_utc(at, "completion time")
        if not self.remaining.is_zero:
            raise SaleStateError(f"{self.remaining.format()} is still due.",
                                 code="still_due", params={"remaining": self.remaining.format()})
        self._completed_at = completed_at
        self._status = SaleStatus.PAID

    # -- after the sale -------------------------------------------------------------------------------------------

    def void(
        self, *, reason: str, approver_id: str, at: datetime, void_id: str | None = None, terminal_id: str | None = None
    ) -> Void:
        """Cancel the whole sale, open or paid. Needs a reason and an approver; once only, and not after a refund."""
        record = Void(
            void_id=_new_id() if void_id is None else void_id,
            sale_id=self._sale_id,
            terminal_id=self._terminal_id if terminal_id is None else terminal_id,
            reason=reason,
            approver_id=approver_id,
            voided_at=at,
        )
        self.apply_void(record)
        return record

    def apply_void(self, record: Void) -> None:
        """Record a void (new, or replayed from the journal)."""
        if not isinstance(record, Void):
            raise TypeError("record must be a Void")
        if record.sale_id != self._sale_id:
            raise RecordError("This void is for another sale.", code="void_of_another_sale")
        if self._status is SaleStatus.VOIDED:
            raise SaleStateError("This sale is already voided.", code="sale_already_voided")
        if self._refunds:
            raise SaleStateError("This sale has refunds; it can no longer be voided.", code="sale_has_refunds")
        self._void = record
        self._status = SaleStatus.VOIDED

    def refund(
        self,
        *,
        lines: Mapping[int, int],
        tenders: Sequence[Tender],
        reason: str,
        approver_id: str,
        at: datetime,
        refund_id: str | None = None,
        terminal_id: str | None = None,
    ) -> Refund:
        """Refund `lines` ({line_no: quantity}) of this paid sale, paid back by `tenders`: exactly the refund total,
        which `quote_refund` tells in advance."""
        refund_lines = self.quote_refund(lines)
        record = Refund(
            refund_id=_new_id() if refund_id is None else refund_id,
            sale_id=self._sale_id,
            terminal_id=self._terminal_id if terminal_id is None else terminal_id,
            currency=self._currency,
            created_at=at,
            reason=reason,
            approver_id=approver_id,
            lines=tuple(refund_lines),
            tenders=tuple(tenders),
        )
        self.apply_refund(record)
        return record

    def quote_refund(self, lines: Mapping[int, int]) -> tuple[RefundLine, ...]:
        """What refunding `lines` ({line_no: quantity}) would pay back, line by line, without recording anything.

        Each line's gross and tax go back in proportion to the units returned (see `_back_after`), so any sequence
        of partial refunds adds up to exactly the line once every unit is back, and never to more.
        """
        self._require_refundable()
        quoted = []
        for line_no, quantity in lines.items():
            line = self.line(line_no)
            if require_int(quantity, "quantity") < 1:
                raise InvalidAmount("Refund at least one unit of each line chosen.", code="refund_at_least_one_unit")
            done = self.refunded_quantity(line_no)
            self._check_quantity(line, done, quantity)
            gross_before, tax_before = _back_after(line, done)
            gross_after, tax_after = _back_after(line, done + quantity)
            gross, tax = gross_after - gross_before, tax_after - tax_before
            quoted.append(
                RefundLine(line.line_no, line.sku, line.name, line.unit_price, quantity, line.tax_rate, gross - tax,
                           tax, gross)
            )
        return tuple(quoted)

    def apply_refund(self, record: Refund) -> None:
        """Record a refund (new, or replayed from the journal), refusing one that returns more than was sold."""
        if not isinstance(record, Refund):
            raise TypeError("record must be a Refund")
        if record.sale_id != self._sale_id:
            raise RecordError("This refund is for another sale.", code="refund_of_another_sale")
        if record.currency != self._currency:
            raise CurrencyMismatch(f"This sale is in {self._currency}; the refund is in {record.currency}.",
                                   code="refund_currency_differs",
                                   params={"sale_currency": self._currency, "refund_currency": record.currency})
        self._require_refundable()
        if any(r.refund_id == record.refund_id for r in self._refunds):
            raise SaleStateError("This refund is already recorded.", code="refund_already_recorded")
        for refund_line in record.lines:
            line = self.line(refund_line.line_no)
            if refund_line.sku != line.sku:
                raise RecordError(f"Line {line.line_no} of the refund does not match the sale.",
                                  code="refund_line_mismatch", params={"line": line.line_no})
            self._check_quantity(line, self.refunded_quantity(line.line_no), refund_line.quantity)
            earlier = [rl for r in self._refunds for rl in r.lines if rl.line_no == line.line_no]
            net = Money.total((rl.net for rl in earlier), self._currency) + refund_line.net
            tax = Money.total((rl.tax for rl in earlier), self._currency) + refund_line.tax
            if net > line.net or tax > line.tax:
                raise OverRefund(f"This would refund more than was paid for {line.name}.",
                                 code="refund_more_than_paid", params={"name": line.name})
        self._refunds.append(record)

    def _require_refundable(self) -> None:
        if self._status is SaleStatus.VOIDED:
            raise SaleStateError("This sale was voided; it cannot be refunded.", code="voided_sale_not_refundable")
        if self._status is SaleStatus.OPEN:
            raise SaleStateError("This sale is not paid yet; it cannot be refunded.", code="unpaid_sale_not_refundable")

    @staticmethod
    def _check_quantity(line: PricedLine, done: int, quantity: int) -> None:
        if done + quantity > line.quantity:
            left = line.quantity - done
            if left <= 0:
                raise OverRefund(f"{line.name} has already been refunded in full.",
                                 code="refunded_in_full", params={"name": line.name})
            raise OverRefund(f"Only {left} of {line.name} can still be refunded.",
                             code="refund_only_left", params={"left": left, "name": line.name})

    # -- records --------------------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The whole sale as JSON types only (ints, strings, bools, None, lists, dicts): what the journal stores."""
        return {
            "type": "sale",
            "sale_id": self._sale_id,
            "terminal_id": self._terminal_id,
            "created_at": iso_utc(self._created_at),
            "completed_at": None if self._completed_at is None else iso_utc(self._completed_at),
            "currency": self._currency,
            "status": str(self._status),
            "lines": [line.to_dict() for line in self._lines],
            "tenders": [t.to_dict() for t in self._tenders],
            "totals": self._totals.to_dict(),
            "paid": self.paid.to_dict(),
            "change": self.change_due.to_dict(),
            "void": None if self._void is None else self._void.to_dict(),
            "refunds": [r.to_dict() for r in self._refunds],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Sale:
        """Rebuild by replaying the record through the same rules; derived fields must match what was stored."""
        _record_type(data, "sale")
        sale = cls(
            sale_id=data["sale_id"],
            terminal_id=data["terminal_id"],
            created_at=parse_utc(data["created_at"], "sale time"),
            currency=data["currency"],
            lines=[PricedLine.from_dict(line) for line in data["lines"]],
        )
        for tender in data["tenders"]:
            sale.add_tender(Tender.from_dict(tender))
        if data["completed_at"] is not None:
            sale.complete(parse_utc(data["completed_at"], "completion time"))
        for refund in data["refunds"]:
            sale.apply_refund(Refund.from_dict(refund))
        if data["void"] is not None:
            sale.apply_void(Void.from_dict(data["void"]))
        rebuilt = sale.to_dict()
        for key in ("status", "totals", "paid", "change"):
            if rebuilt[key] != data[key]:
                raise RecordError(f"The sale record's {key} does not match its lines and payments.",
                                  code="sale_record_mismatch", params={"field": key})
        return sale

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sale):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"Sale({self._sale_id!r}, {self._status}, {self.total})"
