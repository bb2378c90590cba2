"""The ways to pay at a kiosk: cashless only, each a small adapter onto the checkout's existing tenders.

This registry is the seam for more tenders: the kiosk's payment screen lists `Lane.tenders()` in this order. Digital
currency (数字人民币 / digital RMB, terminal.checkout.cbdc) is here three ways, as the checkout core offers it: the
customer's wallet code (scanned), the shop's QR paid from the customer's wallet (the lane long-polls the hub:
`Lane.wait_shop_qr`), and an offline hard wallet inserted or tapped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from terminal.checkout.machine import Checkout
from terminal.checkout.outcome import Outcome


@dataclass(frozen=True)
class TenderRequest:
    method: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Tender:
    label_code: str  # worded on the payment screen (terminal.ui.wording)
    available: Callable[[Checkout], bool]
    pay: Callable[[Checkout, TenderRequest], Outcome]


TENDERS: dict[str, Tender] = {
    "card": Tender("kiosk_pay_card", lambda c: c.ports.card_reader is not None,
                   lambda c, r: c.pay_card()),
    "tap": Tender("kiosk_pay_tap", lambda c: c.ports.contactless_reader is not None,
                  lambda c, r: c.pay_card(contactless=True)),
    "payment_code": Tender("kiosk_pay_code", lambda c: bool(c.ports.token_key),
                           lambda c, r: c.pay_customer_qr(r.details["code"])),
    "shop_qr": Tender("kiosk_pay_shop_qr", lambda c: bool(c.ports.token_key),
                      lambda c, r: c.show_merchant_qr()),
    # digital currency: online ways need the hub's CBDC link; a hard wallet needs its reader and the offline checks
    "cbdc_code": Tender("kiosk_pay_cbdc_code", lambda c: c.ports.cbdc is not None,
                        lambda c, r: c.pay_cbdc_code(r.details["code"])),
    "cbdc_qr": Tender("kiosk_pay_cbdc_qr", lambda c: c.ports.cbdc is not None,
                      lambda c, r: c.show_cbdc_qr()),
    "cbdc_wallet": Tender("kiosk_pay_cbdc_wallet", lambda c: _hard_wallet(c, contactless=False),
                          lambda c, r: c.pay_cbdc_hard_wallet()),
    "cbdc_wallet_tap": Tender("kiosk_pay_cbdc_wallet_tap", lambda c: _hard_wallet(c, contactless=True),
                              lambda c, r: c.pay_cbdc_hard_wallet(contactless=True)),
}
CODE_TENDERS = frozenset({"payment_code", "cbdc_code"})  # these read a code off the customer's phone (scanner)


def _hard_wallet(checkout: Checkout, *, contactless: bool) -> bool:
    """A reader, the offline checks and the receipt key, on a till with a hub (its CBDC link keeps the operator's
    issuer key from the first contact: without one no hard wallet can be checked, even offline)."""
    ports = checkout.ports
    reader = ports.contactless_wallet if contactless else ports.hard_wallet
    return (reader is not None and ports.offline_wallets is not None and ports.receipt_signer is not None
            and ports.cbdc is not None)


# The checkout words its declines for a cashier ("Ask for cash", "looks like fraud"); a kiosk customer reads one of
# these instead (the real reason stays in the checkout's journal record for staff).
_OFFLINE = frozenset({"qr_needs_network", "card_needs_online", "offline_sale_limit", "offline_total_limit",
                      "offline_too_long", "cbdc_needs_network", "cbdc_waiting_network"})
_PIN = frozenset({"step_up_pin_refused", "card_cvm_failed", "pin_not_checked"})
# digital currency: the wallet's code could not be used (show a fresh one), or the wallet cannot pay this amount
_CBDC_CODE = frozenset({"cbdc_code_unreadable", "cbdc_code_expired", "cbdc_code_used", "cbdc_code_invalid"})
_CBDC_WALLET = frozenset({"cbdc_over_payment_limit", "cbdc_over_day_limit", "cbdc_insufficient_funds",
                          "cbdc_wallet_blocked", "cbdc_wrong_currency"})


def customer_reason(code: str) -> str:
    """The customer's sentence code for a checkout decline or failure code."""
    if code in _OFFLINE:
        return "kiosk_reason_offline"
    if code in _PIN:
        return "kiosk_reason_pin"
    if code in _CBDC_CODE:
        return "kiosk_reason_cbdc_code"
    if code in _CBDC_WALLET:
        return "kiosk_reason_cbdc_wallet"
    if code == "cbdc_order_expired":
        return "kiosk_reason_cbdc_qr_expired"
    if code.startswith("cbdc_"):  # the hard wallet's own checks (removed too soon, counter, certificate, caps)
        return "kiosk_reason_cbdc_hard_wallet"
    if code.startswith("device_") or code == "card_removed_too_soon":
        return "kiosk_reason_card_read"
    return "kiosk_reason_declined"
