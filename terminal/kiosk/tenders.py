"""The ways to pay at a kiosk: cashless only, each a small adapter onto the checkout's existing tenders.

This registry is the seam for more tenders. Digital currency (CBDC, issue 12) is being built at the same time; once
its checkout tender lands, it is added here with one entry, e.g.::

    TENDERS["cbdc"] = Tender(label_code="kiosk_pay_cbdc",
                             available=lambda checkout: checkout.ports.<cbdc port> is not None,
                             pay=lambda checkout, req: checkout.pay_cbdc(req.details["token"]))

and the kiosk's payment screen shows it with no other change (it lists `Lane.tenders()` in this order).
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
}


# The checkout words its declines for a cashier ("Ask for cash", "looks like fraud"); a kiosk customer reads one of
# these instead (the real reason stays in the checkout's journal record for staff).
_OFFLINE = frozenset({"qr_needs_network", "card_needs_online", "offline_sale_limit", "offline_total_limit",
                      "offline_too_long"})
_PIN = frozenset({"step_up_pin_refused", "card_cvm_failed", "pin_not_checked"})


def customer_reason(code: str) -> str:
    """The customer's sentence code for a checkout decline or failure code."""
    if code in _OFFLINE:
        return "kiosk_reason_offline"
    if code in _PIN:
        return "kiosk_reason_pin"
    if code.startswith("device_") or code == "card_removed_too_soon":
        return "kiosk_reason_card_read"
    return "kiosk_reason_declined"
