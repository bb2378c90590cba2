"""The cart being rung up: lines in one currency, discounts, and exact totals.

Pricing, in order, for every line:
1. extended = unit price x quantity
2. minus the line's own discount (capped at the extended amount)
3. minus its share of the cart discount: the cart discount is computed on the sum of step 2 and shared between the
   lines in proportion to their step-2 amounts with `Money.allocate`, so no minor unit is lost and no line goes
   below zero
4. tax on what is left, per line (see `terminal.domain.tax`)
The totals are plain sums of the priced lines, so they always agree with the lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from terminal.domain._checks import require_int, require_text
from terminal.domain.discount import Discount
from terminal.domain.errors import CartError, CurrencyMismatch, InvalidAmount, RecordError
from terminal.domain.money import Money, currency
from terminal.domain.tax import TaxBreakdown, TaxRate, TaxSummary, summarize_taxes


@dataclass(frozen=True, slots=True)
class CartLine:
    """What the cashier rang up for one line, before pricing."""

    line_no: int
    sku: str
    name: str
    unit_price: Money
    quantity: int
    tax_rate: TaxRate
    discount: Discount | None = None

    def __post_init__(self) -> None:
        require_text(self.sku, "SKU")
        require_text(self.name, "item name")
        if not isinstance(self.unit_price, Money):
            raise TypeError("unit_price must be Money")
        if self.unit_price.is_negative:
            raise InvalidAmount(f"The price of {self.name} cannot be negative.",
                                code="price_negative", params={"name": self.name})
        if require_int(self.quantity, "quantity") < 1:
            raise InvalidAmount("The quantity must be at least 1.", code="quantity_below_one")
        if not isinstance(self.tax_rate, TaxRate):
            raise TypeError("tax_rate must be a TaxRate")
        fixed = None if self.discount is None else self.discount.amount
        if fixed is not None and fixed.currency != self.unit_price.currency:
            raise CurrencyMismatch(f"The discount is in {fixed.currency}; the price is in {self.unit_price.currency}.",
                                   code="discount_currency_differs",
                                   params={"discount_currency": fixed.currency,
                                           "price_currency": self.unit_price.currency})


@dataclass(frozen=True, slots=True)
class PricedLine:
    """A line with every amount worked out: what a sale keeps, what a receipt prints, what a refund refers to."""

    line_no: int
    sku: str
    name: str
    unit_price: Money
    quantity: int
    tax_rate: TaxRate
    line_discount: Money
    cart_discount: Money
    net: Money
    tax: Money
    gross: Money

    def __post_init__(self) -> None:
        require_text(self.sku, "SKU")
        require_text(self.name, "item name")
        if require_int(self.line_no, "line_no") < 1 or require_int(self.quantity, "quantity") < 1:
            raise InvalidAmount("Line numbers and quantities start at 1.", code="line_numbers_start_at_one")
        TaxBreakdown(self.net, self.tax, self.gross)
        if self.unit_price.is_negative or self.line_discount.is_negative or self.cart_discount.is_negative:
            raise InvalidAmount("Prices and discounts cannot be negative.", code="amounts_negative")
        if self.extended - self.discount != self.amount or self.amount.is_negative:
            raise InvalidAmount(f"The amounts of line {self.line_no} do not add up.",
                                code="line_amounts_do_not_add_up", params={"line": self.line_no})

    @property
    def extended(self) -> Money:
        """Unit price x quantity, before any discount."""
        return self.unit_price * self.quantity

    @property
    def discount(self) -> Money:
        """Line discount plus this line's share of the cart discount."""
        return self.line_discount + self.cart_discount

    @property
    def amount(self) -> Money:
        """The line's price after discounts, as shelf prices are shown: gross if tax is included, else net."""
        return self.gross if self.tax_rate.inclusive else self.net

    def to_dict(self) -> dict[str, Any]:
        return {
            "line_no": self.line_no,
            "sku": self.sku,
            "name": self.name,
            "unit_price": self.unit_price.to_dict(),
            "quantity": self.quantity,
            "tax_rate": self.tax_rate.to_dict(),
            "line_discount": self.line_discount.to_dict(),
            "cart_discount": self.cart_discount.to_dict(),
            "net": self.net.to_dict(),
            "tax": self.tax.to_dict(),
            "gross": self.gross.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PricedLine:
        return cls(
            line_no=data["line_no"],
            sku=data["sku"],
            name=data["name"],
            unit_price=Money.from_dict(data["unit_price"]),
            quantity=data["quantity"],
            tax_rate=TaxRate.from_dict(data["tax_rate"]),
            line_discount=Money.from_dict(data["line_discount"]),
            cart_discount=Money.from_dict(data["cart_discount"]),
            net=Money.from_dict(data["net"]),
            tax=Money.from_dict(data["tax"]),
            gross=Money.from_dict(data["gross"]),
        )


@dataclass(frozen=True, slots=True)
class Totals:
    """Sums over priced lines. `total` is what the customer pays; net + tax == total."""

    subtotal: Money  # extended amounts before discounts, as shelf prices (tax included where inclusive)
    discount: Money
    net: Money
    tax: Money
    total: Money
    taxes: tuple[TaxSummary, ...]

    @classmethod
    def of(cls, lines: Sequence[PricedLine], currency_code: str) -> Totals:
        return cls(
            subtotal=Money.total((line.extended for line in lines), currency_code),
            discount=Money.total((line.discount for line in lines), currency_code),
            net=Money.total((line.net for line in lines), currency_code),
            tax=Money.total((line.tax for line in lines), currency_code),
            total=Money.total((line.gross for line in lines), currency_code),
            taxes=summarize_taxes(lines, currency_code),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "subtotal": self.subtotal.to_dict(),
            "discount": self.discount.to_dict(),
            "net": self.net.to_dict(),
            "tax": self.tax.to_dict(),
            "total": self.total.to_dict(),
            "taxes": [t.to_dict() for t in self.taxes],
        }


def price_lines(lines: Sequence[CartLine], cart_discount: Discount | None, currency_code: str) -> list[PricedLine]:
    """Apply line discounts, share the cart discount, compute tax: see the module docstring for the order."""
    zero = Money.zero(currency_code)
    extended = [line.unit_price * line.quantity for line in lines]
    line_off = [line.discount.amount_off(e) if line.discount else zero for line, e in zip(lines, extended, strict=True)]
    after_line = [e - off for e, off in zip(extended, line_off, strict=True)]
    cart_off = cart_discount.amount_off(Money.total(after_line, currency_code)) if cart_discount else zero
    shares = cart_off.allocate([a.amount for a in after_line]) if cart_off.is_positive else [zero] * len(lines)
    priced = []
    for line, after, off, share in zip(lines, after_line, line_off, shares, strict=True):
        taxed = line.tax_rate.breakdown(after - share)
        priced.append(
            PricedLine(
                line.line_no, line.sku, line.name, line.unit_price, line.quantity, line.tax_rate,
                line_discount=off, cart_discount=share, net=taxed.net, tax=taxed.tax, gross=taxed.gross,
            )
        )
    return priced


class Cart:
    """A mutable cart in one currency. Line numbers are given in order and never reused, so they stay stable."""

    def __init__(self, currency_code: str) -> None:
        currency(currency_code)
        self._currency = currency_code
        self._lines: dict[int, CartLine] = {}
        self._next_line_no = 1
        self._discount: Discount | None = None

    @property
    def currency(self) -> str:
        return self._currency

    @property
    def lines(self) -> tuple[CartLine, ...]:
        return tuple(self._lines.values())

    @property
    def discount(self) -> Discount | None:
        """The cart-level discount, if any."""
        return self._discount

    @property
    def is_empty(self) -> bool:
        return not self._lines

    def line(self, line_no: int) -> CartLine:
        try:
            return self._lines[line_no]
        except KeyError:
            raise CartError(f"Line {line_no} is not in the cart.",
                            code="line_not_in_cart", params={"line": line_no}) from None

    def add(
        self,
        sku: str,
        name: str,
        unit_price: Money,
        tax_rate: TaxRate,
        quantity: int = 1,
        discount: Discount | None = None,
    ) -> CartLine:
        """Add a new line (scanning the same SKU twice gives two lines; use `set_quantity` to merge)."""
        if not isinstance(unit_price, Money):
            raise TypeError("unit_price must be Money")
        if unit_price.currency != self._currency:
            raise CurrencyMismatch(f"This cart is in {self._currency}; {name} is priced in {unit_price.currency}.",
                                   code="item_currency_differs",
                                   params={"cart_currency": self._currency, "name": name,
                                           "item_currency": unit_price.currency})
        for existing in self._lines.values():
            if existing.tax_rate.code == tax_rate.code and existing.tax_rate != tax_rate:
                raise CartError(f"Tax code {tax_rate.code} is already used with another rate.",
                                code="tax_code_other_rate", params={"tax_code": tax_rate.code})
        line = CartLine(self._next_line_no, sku, name, unit_price, quantity, tax_rate, discount)
        self._lines[line.line_no] = line
        self._next_line_no += 1
        return line

    def set_quantity(self, line_no: int, quantity: int) -> CartLine:
        line = replace(self.line(line_no), quantity=quantity)
        self._lines[line_no] = line
        return line

    def remove(self, line_no: int) -> None:
        self.line(line_no)
        del self._lines[line_no]

    def set_line_discount(self, line_no: int, discount: Discount | None) -> CartLine:
        """Give a line its own discount (None removes it). A line has at most one."""
        line = replace(self.line(line_no), discount=discount)
        self._lines[line_no] = line
        return line

    def set_discount(self, discount: Discount | None) -> None:
        """Set the cart-level discount (None removes it). It applies after the line discounts."""
        if discount is not None and discount.amount is not None and discount.amount.currency != self._currency:
            raise CurrencyMismatch(f"This cart is in {self._currency}; the discount is in {discount.amount.currency}.",
                                   code="cart_discount_currency_differs",
                                   params={"cart_currency": self._currency,
                                           "discount_currency": discount.amount.currency})
        self._discount = discount

    def priced_lines(self) -> tuple[PricedLine, ...]:
        return tuple(price_lines(self.lines, self._discount, self._currency))

    def totals(self) -> Totals:
        return Totals.of(self.priced_lines(), self._currency)


def check_lines(lines: Sequence[PricedLine], currency_code: str) -> tuple[PricedLine, ...]:
    """Lines for a sale: at least one, all in `currency_code`, line numbers unique."""
    currency(currency_code)
    if not lines:
        raise CartError("The cart is empty.", code="cart_empty")
    for line in lines:
        if not isinstance(line, PricedLine):
            raise TypeError("sale lines must be PricedLine")
        if line.unit_price.currency != currency_code or line.gross.currency != currency_code:
            raise CurrencyMismatch(f"Line {line.line_no} is not in {currency_code}.",
                                   code="line_currency_differs",
                                   params={"line": line.line_no, "currency": currency_code})
    if len({line.line_no for line in lines}) != len(lines):
        raise RecordError("Two lines have the same line number.", code="lines_numbered_twice")
    return tuple(lines)
