"""Discounts: a percentage or a fixed amount off a line or off the whole cart.

A discount never takes more than the amount it applies to, so no line (and no cart) ever goes below zero. A
percentage is rounded once, to the minor unit, by the discount's `rounding` (HALF_UP by default).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from terminal.domain._checks import require_int
from terminal.domain.errors import InvalidAmount
from terminal.domain.money import DEFAULT_ROUNDING, Money, Rounding


@dataclass(frozen=True, slots=True)
class Discount:
    """Exactly one of `rate` (a fraction: Decimal("0.1") is 10% off) or `amount` (a fixed sum off).

    Build one with `Discount.percent(10)` or `Discount.fixed(Money(500, "CNY"))`.
    """

    rate: Decimal | None = None
    amount: Money | None = None
    rounding: Rounding = DEFAULT_ROUNDING

    def __post_init__(self) -> None:
        if (self.rate is None) == (self.amount is None):
            raise InvalidAmount("A discount is either a percentage or an amount.", code="discount_percent_or_amount")
        if self.rate is not None:
            if not isinstance(self.rate, Decimal):
                raise TypeError(f"discount rate must be a Decimal, not {type(self.rate).__name__}")
            if not self.rate.is_finite() or not 0 < self.rate <= 1:
                raise InvalidAmount("A percentage discount must be above 0% and at most 100%.",
                                    code="discount_percent_range")
        if self.amount is not None:
            if not isinstance(self.amount, Money):
                raise TypeError(f"discount amount must be Money, not {type(self.amount).__name__}")
            if not self.amount.is_positive:
                raise InvalidAmount("A discount amount must be above zero.", code="discount_amount_not_positive")
        object.__setattr__(self, "rounding", Rounding(self.rounding))

    @classmethod
    def percent(cls, value: int | Decimal, rounding: Rounding = DEFAULT_ROUNDING) -> Discount:
        """`value` percent off: Discount.percent(15) or Discount.percent(Decimal("12.5"))."""
        if not isinstance(value, Decimal):
            value = Decimal(require_int(value, "percent"))
        return cls(rate=value / 100, rounding=rounding)

    @classmethod
    def fixed(cls, amount: Money) -> Discount:
        return cls(amount=amount)

    def amount_off(self, base: Money) -> Money:
        """What this discount takes off `base`: never more than `base`, never below zero."""
        if not base.is_positive:
            return Money.zero(base.currency)
        if self.amount is not None:
            return min(self.amount, base)  # a mismatched currency raises CurrencyMismatch here
        assert self.rate is not None
        return min(base.scale(self.rate, self.rounding), base)

    def describe(self) -> str:
        """For receipts and screens: "10% off", "CNY 5.00 off"."""
        if self.rate is not None:
            return f"{format((self.rate * 100).normalize(), 'f')}% off"
        assert self.amount is not None
        return f"{self.amount.format()} off"

    def to_dict(self) -> dict[str, Any]:
        return {
            "rate": None if self.rate is None else str(self.rate),
            "amount": None if self.amount is None else self.amount.to_dict(),
            "rounding": str(self.rounding),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Discount:
        rate, amount = data["rate"], data["amount"]
        if rate is not None and not isinstance(rate, str):
            raise TypeError("a stored discount rate must be a decimal string")
        return cls(
            rate=None if rate is None else Decimal(rate),
            amount=None if amount is None else Money.from_dict(amount),
            rounding=Rounding(data["rounding"]),
        )
