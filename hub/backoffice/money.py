"""Major-unit decimal text <-> int minor units for the back office's files (CSV exports, ERP orders, invoices).

The hub keeps int minor units; files people open in a spreadsheet carry decimal strings in major units. The ISO 4217
minor unit decides the digits (JPY 0, CNY 2, KWD 3); a value with more digits than its currency has is refused,
never rounded.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from sync.protocol import ISO_4217

_ZERO = frozenset(["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND",
                   "VUV", "XAF", "XOF", "XPF"])
_THREE = frozenset(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"])


class BadAmount(ValueError):
    """A decimal amount text that is not money of its currency."""


def exponent(currency: str) -> int:
    if currency not in ISO_4217:
        raise BadAmount(f"{currency!r} is not an ISO 4217 currency code")
    return 0 if currency in _ZERO else 3 if currency in _THREE else 2


def to_minor(text: str, currency: str) -> int:
    """'12.30' CNY -> 1230; '-5' -> -500; more decimals than the currency has, or not a number: BadAmount."""
    places = exponent(currency)
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise BadAmount(f"{text!r} is not a decimal amount") from None
    if not value.is_finite():
        raise BadAmount(f"{text!r} is not a decimal amount")
    scaled = value.scaleb(places)
    if scaled != scaled.to_integral_value():
        raise BadAmount(f"{currency} amounts have {places} decimals; {text!r} has more")
    return int(scaled)


def to_major(minor: int, currency: str) -> str:
    """1230 CNY -> '12.30'; -500 -> '-5.00'."""
    places = exponent(currency)
    sign = "-" if minor < 0 else ""
    whole, part = divmod(abs(minor), 10**places)
    return f"{sign}{whole}.{part:0{places}d}" if places else f"{sign}{whole}"
