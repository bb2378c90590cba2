"""The checkout state machine (no Qt): the UI and the headless benchmark drive the same `Checkout`."""

from terminal.checkout.aftersale import AfterSale, RefundQuote, RefundRefused, VoidRefused, route_refund
from terminal.checkout.errors import CheckoutError, InvalidTransition, NotAllowed
from terminal.checkout.holds import pending_releases, release_abandoned_holds
from terminal.checkout.machine import Checkout
from terminal.checkout.outcome import Outcome
from terminal.checkout.ports import CheckoutPorts
from terminal.checkout.sales_index import (
    NotAReceiptCode,
    SaleIndex,
    SaleNotFound,
    SaleSummary,
    parse_receipt_code,
    receipt_code,
)
from terminal.checkout.states import TRANSITIONS, State

__all__ = [
    "TRANSITIONS",
    "AfterSale",
    "Checkout",
    "CheckoutError",
    "CheckoutPorts",
    "InvalidTransition",
    "NotAReceiptCode",
    "NotAllowed",
    "Outcome",
    "RefundQuote",
    "RefundRefused",
    "SaleIndex",
    "SaleNotFound",
    "SaleSummary",
    "State",
    "VoidRefused",
    "parse_receipt_code",
    "pending_releases",
    "receipt_code",
    "release_abandoned_holds",
    "route_refund",
]
