"""Domain errors. Each has a code and params the UI words, and an English sentence a cashier can read; the class
tells the code what went wrong.

Wrong *types* (a float where money is expected, a bool where a count is expected) raise `TypeError` instead: that is
a programming error, never something to show at the counter.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class DomainError(ValueError):
    """Base of every rule the domain refuses to break. Like the checkout's errors it carries a stable `code` and plain
    `params` (money as formatted text) for the UI to word in the screen's language; str(exc) stays English."""

    def __init__(self, message: str, *, code: str = "", params: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code, self.params = code, dict(params or {})


class UnknownCurrency(DomainError):
    """A currency code that is not in the minor-unit table."""


class CurrencyMismatch(DomainError):
    """Two amounts in different currencies were combined or compared."""


class InvalidAmount(DomainError):
    """An amount, rate, ratio or quantity outside what the rule allows."""


class InvalidValue(DomainError):
    """A required text left empty, a naive datetime, a malformed identifier."""


class CartError(DomainError):
    """A cart operation that cannot be done (unknown line, conflicting tax code, empty cart)."""


class TenderError(DomainError):
    """A payment that cannot be taken as given (too much, missing reference, bad card digits)."""


class SaleStateError(DomainError):
    """An action the sale's current state does not allow (pay a voided sale, void twice, refund an open sale)."""


class OverRefund(DomainError):
    """A refund that would return more than was sold."""


class RecordError(DomainError):
    """A stored record (to_dict payload) that is malformed or contradicts itself."""
