"""Sales tax (VAT, GST), computed per line.

Rounding rule: tax is rounded once per line, to the minor unit, by the rate's `rounding` (HALF_UP unless the
jurisdiction says otherwise), and the receipt's tax per rate is the sum of the rounded line taxes. This can differ by
a few minor units from rounding the tax of the whole basket; it is the rule most fiscal receipts use, and it is what
makes a later refund of one line return exactly that line's tax.

- exclusive (price before tax): tax = round(net * rate), gross = net + tax
- inclusive (price includes tax): net = round(gross / (1 + rate)), tax = gross - net
Either way net + tax == gross exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Protocol

from terminal.domain._checks import require_text
from terminal.domain.errors import CartError, InvalidAmount
from terminal.domain.money import DEFAULT_ROUNDING, Money, Rounding


@dataclass(frozen=True, slots=True)
class TaxRate:
    """A named tax rate: `rate` is a fraction (Decimal("0.13") is 13%), `inclusive` says whether prices contain it."""

    code: str
    rate: Decimal
    inclusive: bool
    rounding: Rounding = DEFAULT_ROUNDING

    def __post_init__(self) -> None:
        require_text(self.code, "tax code")
        if not isinstance(self.rate, Decimal):
            raise TypeError(f"tax rate must be a Decimal, not {type(self.rate).__name__}")
        if not self.rate.is_finite() or not 0 <= self.rate <= 1:
            raise InvalidAmount(f"Tax rate {self.rate} is not a fraction between 0 and 1 (13% is 0.13).",
                                code="tax_rate_not_a_fraction", params={"rate": self.rate})
        if not isinstance(self.inclusive, bool):
            raise TypeError("inclusive must be a bool")
        object.__setattr__(self, "rounding", Rounding(self.rounding))

    @property
    def percent_text(self) -> str:
        """The rate as people read it: "13", "6.5", "0"."""
        return format((self.rate * 100).normalize(), "f")

    def breakdown(self, amount: Money) -> TaxBreakdown:
        """Net, tax and gross of one line whose price after discounts is `amount` (gross if inclusive, else net)."""
        if self.inclusive:
            net = amount.scale(1 / (1 + Fraction(self.rate)), self.rounding)
            return TaxBreakdown(net, amount - net, amount)
        tax = amount.scale(self.rate, self.rounding)
        return TaxBreakdown(amount, tax, amount + tax)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "rate": str(self.rate), "inclusive": self.inclusive, "rounding": str(self.rounding)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TaxRate:
        if not isinstance(data["rate"], str):
            raise TypeError("a stored tax rate must be a decimal string")
        return cls(data["code"], Decimal(data["rate"]), data["inclusive"], Rounding(data["rounding"]))


@dataclass(frozen=True, slots=True)
class TaxBreakdown:
    """Net + tax == gross, all in one currency; construction refuses anything else."""

    net: Money
    tax: Money
    gross: Money

    def __post_init__(self) -> None:
        if self.net + self.tax != self.gross:
            raise InvalidAmount("Net and tax do not add up to the gross amount.", code="tax_does_not_add_up")


class Taxed(Protocol):
    """Anything carrying one line's tax: a priced cart line, a refund line."""

    @property
    def tax_rate(self) -> TaxRate: ...
    @property
    def net(self) -> Money: ...
    @property
    def tax(self) -> Money: ...
    @property
    def gross(self) -> Money: ...


@dataclass(frozen=True, slots=True)
class TaxSummary:
    """One rate's totals over several lines, as printed on the receipt."""

    rate: TaxRate
    net: Money
    tax: Money
    gross: Money

    def to_dict(self) -> dict[str, Any]:
        return {
            "rate": self.rate.to_dict(),
            "net": self.net.to_dict(),
            "tax": self.tax.to_dict(),
            "gross": self.gross.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TaxSummary:
        return cls(
            TaxRate.from_dict(data["rate"]),
            Money.from_dict(data["net"]),
            Money.from_dict(data["tax"]),
            Money.from_dict(data["gross"]),
        )


def summarize_taxes(lines: Iterable[Taxed], currency: str) -> tuple[TaxSummary, ...]:
    """Sum of the (already rounded) line amounts per tax code, ordered by code. One code means one rate."""
    by_code: dict[str, list[Taxed]] = {}
    for line in lines:
        group = by_code.setdefault(line.tax_rate.code, [])
        if group and group[0].tax_rate != line.tax_rate:
            raise CartError(f"Tax code {line.tax_rate.code} is used with two different rates.",
                            code="tax_code_two_rates", params={"tax_code": line.tax_rate.code})
        group.append(line)
    return tuple(
        TaxSummary(
            group[0].tax_rate,
            Money.total((line.net for line in group), currency),
            Money.total((line.tax for line in group), currency),
            Money.total((line.gross for line in group), currency),
        )
        for _, group in sorted(by_code.items())
    )
