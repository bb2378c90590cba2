"""Helpers for the checkout tests (imported by name: pytest puts this folder on sys.path)."""

from __future__ import annotations

from decimal import Decimal

from terminal.demo.rig import Till
from terminal.domain import Money, TaxRate

ADMIN_TOKEN = "checkout-tests-admin-token-0123456789"
VAT = TaxRate("VAT13", Decimal("0.13"), inclusive=True)


def cny(text: str) -> Money:
    return Money.parse(text, "CNY")


def basket(till: Till, *prices: str) -> None:
    """Start a sale with one line per price, and go to payment."""
    co = till.checkout
    co.start_sale()
    for n, price in enumerate(prices or ("18.50",), 1):
        co.add_item(f"SKU{n}", f"Item {n}", cny(price), VAT)
    co.checkout()


def records(till: Till) -> list:
    return list(till.journal.records())


def types(till: Till) -> list[str]:
    return [r.type for r in till.journal.records()]


def card_number(prefix: str, length: int = 16) -> str:
    """A Luhn-valid test card number (never a real one: the prefixes are the emulator's test ranges)."""
    from stdnum import luhn

    body = prefix + "0" * (length - len(prefix) - 1)
    return body + luhn.calc_check_digit(body)


class JournalFailingOn:
    """The till's real journal, except that appending one of `record_types` fails as a full disk would (OSError).
    `failing = False` lets every write through again."""

    def __init__(self, till: Till, *record_types: str) -> None:
        self.real, self.record_types, self.failing = till.journal, frozenset(record_types), True

    def append(self, record_type: str, payload, sensitive=None):
        if self.failing and record_type in self.record_types:
            raise OSError("disk full")
        return self.real.append(record_type, payload, sensitive)
