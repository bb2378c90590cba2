"""Money as integer minor units plus an ISO 4217 code, and the rounding rules that turn exact values into it.

Floats never enter: every constructor and operator refuses them with `TypeError`. Exact intermediate values (a tax
rate times an amount, a share of a discount) are `Fraction`s, rounded once, by a named rule, to a whole minor unit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from terminal.domain._checks import require_int
from terminal.domain.errors import CurrencyMismatch, InvalidAmount, UnknownCurrency


@dataclass(frozen=True, slots=True)
class Currency:
    code: str
    exponent: int  # ISO 4217 minor unit: digits after the decimal point (JPY 0, CNY 2, KWD 3)
    name: str


CURRENCIES: Mapping[str, Currency] = MappingProxyType(
    {
        c.code: c
        for c in (
            Currency("AUD", 2, "Australian dollar"),
            Currency("BHD", 3, "Bahraini dinar"),
            Currency("CAD", 2, "Canadian dollar"),
            Currency("CHF", 2, "Swiss franc"),
            Currency("CNY", 2, "Chinese yuan"),
            Currency("EUR", 2, "Euro"),
            Currency("GBP", 2, "Pound sterling"),
            Currency("HKD", 2, "Hong Kong dollar"),
            Currency("JPY", 0, "Japanese yen"),
            Currency("KRW", 0, "South Korean won"),
            Currency("KWD", 3, "Kuwaiti dinar"),
            Currency("MOP", 2, "Macanese pataca"),
            Currency("SGD", 2, "Singapore dollar"),
            Currency("THB", 2, "Thai baht"),
            Currency("USD", 2, "US dollar"),
            Currency("VND", 0, "Vietnamese dong"),
        )
    }
)

# Amounts must fit a signed 64-bit integer: the hub stores them in PostgreSQL BIGINT columns.
MAX_MINOR = 2**63 - 1

_MAJOR_UNITS = re.compile(r"(-?)([0-9]{1,20})(?:\.([0-9]+))?")


def currency(code: str) -> Currency:
    """The table entry for `code`; an unknown or non-canonical code (e.g. lower case) is refused."""
    if not isinstance(code, str):
        raise TypeError(f"currency code must be a str, not {type(code).__name__}")
    try:
        return CURRENCIES[code]
    except KeyError:
        raise UnknownCurrency(f"Currency {code!r} is not supported.",
                              code="currency_not_supported", params={"currency": repr(code)}) from None


class Rounding(StrEnum):
    """How an exact value between two minor units becomes one.

    Every rule acts on the magnitude, so a negative amount (a refund) rounds as the mirror image of the positive one.
    """

    HALF_UP = "HALF_UP"  # ties away from zero (0.5 -> 1): commercial rounding, the default everywhere
    HALF_EVEN = "HALF_EVEN"  # ties to even (0.5 -> 0, 1.5 -> 2): banker's rounding, no drift over many roundings
    DOWN = "DOWN"  # toward zero (truncate)
    UP = "UP"  # away from zero


DEFAULT_ROUNDING = Rounding.HALF_UP


def exact(value: Fraction | Decimal | int) -> Fraction:
    """An exact rational from an int, Decimal or Fraction. Floats are refused: they are not exact."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InvalidAmount("The amount is not a number.", code="amount_not_a_number")
        return Fraction(value)
    return Fraction(require_int(value, "value"))


def round_minor(value: Fraction | Decimal | int, rounding: Rounding = DEFAULT_ROUNDING) -> int:
    """Round an exact value (already in minor units) to a whole minor unit by the named rule."""
    rule = Rounding(rounding)
    x = exact(value)
    quotient, remainder = divmod(abs(x.numerator), x.denominator)
    if remainder:
        twice, whole = 2 * remainder, x.denominator
        if (
            rule is Rounding.UP
            or (rule is Rounding.HALF_UP and twice >= whole)
            or (rule is Rounding.HALF_EVEN and (twice > whole or (twice == whole and quotient % 2 == 1)))
        ):
            quotient += 1
    return -quotient if x < 0 else quotient


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in minor units (cents, fen, yen) of one currency. Immutable; equal only to the same currency.

    Adding, subtracting or ordering two currencies raises `CurrencyMismatch`. There is no division: share an amount
    with `allocate` or `split`, which never lose or invent a minor unit.
    """

    amount: int
    currency: str

    def __post_init__(self) -> None:
        require_int(self.amount, "Money amount")
        currency(self.currency)
        if abs(self.amount) > MAX_MINOR:
            raise InvalidAmount("The amount is too large.", code="amount_too_large")

    # -- construction ---------------------------------------------------------------------------------------------

    @classmethod
    def zero(cls, currency_code: str) -> Money:
        return cls(0, currency_code)

    @classmethod
    def parse(cls, text: str, currency_code: str) -> Money:
        """Exact amount from major units as typed or printed: "12.34", "-0.5", "1200". More decimals than the
        currency has ("1.005" CNY, "12.5" JPY) are refused rather than rounded."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, not {type(text).__name__}")
        exponent = currency(currency_code).exponent
        match = _MAJOR_UNITS.fullmatch(text)
        if match is None:
            raise InvalidAmount(f"{text!r} is not an amount.", code="not_an_amount", params={"text": repr(text)})
        sign, whole, fraction = match[1], match[2], match[3] or ""
        if len(fraction) > exponent:
            raise InvalidAmount(f"{currency_code} amounts have {_decimals(exponent)}; {text!r} has more.",
                                code="too_many_decimals",
                                params={"currency": currency_code, "decimals": _decimals(exponent),
                                        "places": exponent, "text": repr(text)})
        minor = int(whole) * 10**exponent + int(fraction.ljust(exponent, "0") or "0")
        return cls(-minor if sign else minor, currency_code)

    @classmethod
    def from_decimal(
        cls, value: Decimal | int, currency_code: str, rounding: Rounding = DEFAULT_ROUNDING
    ) -> Money:
        """Amount from a major-unit Decimal (e.g. an FX conversion result), rounded to the minor unit by `rounding`."""
        if not isinstance(value, Decimal | int) or isinstance(value, bool):
            raise TypeError(f"value must be a Decimal or int, not {type(value).__name__}")
        exponent = currency(currency_code).exponent
        return cls(round_minor(exact(value) * 10**exponent, rounding), currency_code)

    @classmethod
    def total(cls, items: Iterable[Money], currency_code: str) -> Money:
        """Sum of `items` (zero when empty); every item must be in `currency_code`."""
        result = cls.zero(currency_code)
        for item in items:
            result = result + item
        return result

    # -- views ----------------------------------------------------------------------------------------------------

    @property
    def exponent(self) -> int:
        return CURRENCIES[self.currency].exponent

    @property
    def is_zero(self) -> bool:
        return self.amount == 0

    @property
    def is_positive(self) -> bool:
        return self.amount > 0

    @property
    def is_negative(self) -> bool:
        return self.amount < 0

    def major_text(self) -> str:
        """Major units without the code: "12.34", "-0.05", "1200" (JPY)."""
        exponent = self.exponent
        whole, fraction = divmod(abs(self.amount), 10**exponent)
        sign = "-" if self.amount < 0 else ""
        return f"{sign}{whole}.{fraction:0{exponent}d}" if exponent else f"{sign}{whole}"

    def to_decimal(self) -> Decimal:
        """Exact major-unit Decimal: Money(1234, "CNY") -> Decimal("12.34")."""
        return Decimal(self.major_text())

    def format(self) -> str:
        """Code and major units: "CNY 12.34", "JPY 1200", "USD -0.50"."""
        return f"{self.currency} {self.major_text()}"

    def __str__(self) -> str:
        return self.format()

    # -- arithmetic -----------------------------------------------------------------------------------------------

    def _same_currency(self, other: Money, verb: str) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatch(f"Cannot {verb} {self.currency} and {other.currency}.",
                                   code="currencies_differ",
                                   params={"verb": verb, "first": self.currency, "second": other.currency})

    def __add__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other, "add")
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other, "subtract")
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __pos__(self) -> Money:
        return self

    def __abs__(self) -> Money:
        return Money(abs(self.amount), self.currency)

    def __mul__(self, factor: object) -> Money:
        """Times a whole count (quantity). For a rate use `scale`, which rounds by a named rule."""
        if not isinstance(factor, int) or isinstance(factor, bool):
            return NotImplemented
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other, "compare")
        return self.amount < other.amount

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other, "compare")
        return self.amount <= other.amount

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other, "compare")
        return self.amount > other.amount

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other, "compare")
        return self.amount >= other.amount

    def scale(self, factor: Fraction | Decimal | int, rounding: Rounding = DEFAULT_ROUNDING) -> Money:
        """This amount times an exact factor (a rate), rounded once to the minor unit by `rounding`."""
        return Money(round_minor(self.amount * exact(factor), rounding), self.currency)

    def allocate(self, ratios: Sequence[int]) -> list[Money]:
        """Share this amount by integer ratios without losing a minor unit (largest remainder method).

        Each part is the exact proportional share rounded down, and the units left over go one each to the parts with
        the largest remainders (earliest first on ties): 100 by [1, 1, 1] -> 34, 33, 33. Parts always sum to this
        amount, each is within one unit of its exact share, and a zero ratio always gets zero. A negative amount is
        shared as the mirror image of the positive one.
        """
        weights = [require_int(r, "ratio") for r in ratios]
        if not weights:
            raise InvalidAmount("There is nothing to share the amount between.", code="nothing_to_share_between")
        if any(w < 0 for w in weights):
            raise InvalidAmount("A share ratio cannot be negative.", code="share_ratio_negative")
        whole = sum(weights)
        if whole == 0:
            raise InvalidAmount("At least one share ratio must be above zero.", code="share_ratios_all_zero")
        magnitude = abs(self.amount)
        parts = [magnitude * w // whole for w in weights]
        remainders = [magnitude * w % whole for w in weights]
        left_over = magnitude - sum(parts)
        for i in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:left_over]:
            parts[i] += 1
        sign = -1 if self.amount < 0 else 1
        return [Money(sign * p, self.currency) for p in parts]

    def split(self, n: int) -> list[Money]:
        """`n` parts as equal as possible, larger ones first: 100 in 3 -> 34, 33, 33."""
        if require_int(n, "n") < 1:
            raise InvalidAmount("An amount can only be split into one or more parts.", code="split_into_no_parts")
        return self.allocate([1] * n)

    # -- records --------------------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {"amount": self.amount, "currency": self.currency}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Money:
        return cls(data["amount"], data["currency"])


def _decimals(exponent: int) -> str:
    return "no decimals" if exponent == 0 else f"{exponent} decimal{'s' if exponent > 1 else ''}"
