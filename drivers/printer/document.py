"""The printer's input: a plain receipt document (drivers never import terminal; terminal adapts its Receipt).

Amounts are int minor units of `currency`. A card appears only masked ("**** 4242"): anything longer is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from drivers.currency import exponent

_MASKED = re.compile(r"^\*{4} [0-9]{4}$")


def format_money(minor: int, currency: str) -> str:
    """12345 CNY -> "123.45"; 500 JPY -> "500"; negative amounts keep their sign."""
    exp = exponent(currency)
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(minor), 10**exp)
    return f"{sign}{whole:,}" + (f".{frac:0{exp}d}" if exp else "")


@dataclass(frozen=True, slots=True)
class ItemRow:
    name: str
    quantity: int
    unit_price: int
    amount: int
    discount: int = 0


@dataclass(frozen=True, slots=True)
class AmountRow:
    label: str
    amount: int
    emphasis: bool = False


@dataclass(frozen=True, slots=True)
class TenderRow:
    label: str  # "Card", "Cash", "CBDC"...
    amount: int
    card: str | None = None  # "**** 4242"
    reference: str = ""

    def __post_init__(self) -> None:
        if self.card is not None and not _MASKED.match(self.card):
            raise ValueError("a receipt shows a card only as '**** ' and its last four digits")


@dataclass(frozen=True, slots=True)
class ReceiptDocument:
    currency: str
    title: str = "SALE"
    header: tuple[str, ...] = ()  # shop name first, then address, tax id
    meta: tuple[str, ...] = ()  # receipt number, time, terminal, cashier
    items: tuple[ItemRow, ...] = ()
    totals: tuple[AmountRow, ...] = ()  # subtotal, discount, taxes, TOTAL (emphasis)
    tenders: tuple[TenderRow, ...] = ()
    change: int = 0
    qr_link: str | None = None  # e-invoice link
    qr_caption: str = "Scan for your e-invoice"
    footer: tuple[str, ...] = field(default=("Thank you!",))
