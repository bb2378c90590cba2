"""Pure domain model: money, tax, cart, sale, tenders, receipts. No Qt, no I/O.

Money is integer minor units plus an ISO 4217 code; floats are refused everywhere. Every rounding names its rule.
Records (`Sale`, `Refund`, `Void`, `Receipt`) serialise with `to_dict()` to JSON types only, for the journal.
"""

from terminal.domain.cart import Cart, CartLine, PricedLine, Totals
from terminal.domain.discount import Discount
from terminal.domain.errors import (
    CartError,
    CurrencyMismatch,
    DomainError,
    InvalidAmount,
    InvalidValue,
    OverRefund,
    RecordError,
    SaleStateError,
    TenderError,
    UnknownCurrency,
)
from terminal.domain.money import CURRENCIES, DEFAULT_ROUNDING, Currency, Money, Rounding, currency, round_minor
from terminal.domain.receipt import Receipt, ReceiptKind, ReceiptLine, ReceiptTender
from terminal.domain.sale import Refund, RefundLine, Sale, SaleStatus, Void
from terminal.domain.tax import TaxBreakdown, TaxRate, TaxSummary
from terminal.domain.tender import Tender, TenderKind

__all__ = [
    "CURRENCIES",
    "DEFAULT_ROUNDING",
    "Cart",
    "CartError",
    "CartLine",
    "Currency",
    "CurrencyMismatch",
    "Discount",
    "DomainError",
    "InvalidAmount",
    "InvalidValue",
    "Money",
    "OverRefund",
    "PricedLine",
    "Receipt",
    "ReceiptKind",
    "ReceiptLine",
    "ReceiptTender",
    "RecordError",
    "Refund",
    "RefundLine",
    "Rounding",
    "Sale",
    "SaleStateError",
    "SaleStatus",
    "TaxBreakdown",
    "TaxRate",
    "TaxSummary",
    "Tender",
    "TenderError",
    "TenderKind",
    "Totals",
    "UnknownCurrency",
    "Void",
    "currency",
    "round_minor",
]
