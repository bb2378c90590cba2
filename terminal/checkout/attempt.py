"""One tender being taken (card, QR, cash): what it is, how long the software spent on it, and the sentences the
cashier reads when a card or the hub says no."""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from drivers.card.kernel import CardResult
from terminal.checkout.ports import CardReaderPort
from terminal.domain import Money, TenderKind

ENTRY_MODES = {TenderKind.CARD_CONTACT: "chip", TenderKind.CARD_CONTACTLESS: "contactless",  # the risk model's
               TenderKind.QR_CUSTOMER: "qr", TenderKind.QR_MERCHANT: "qr"}
CARD_DECLINES = {  # the kernel's reason -> (code, what the cashier reads)
    "card expired": ("card_expired", "This card has expired. Ask for another card or way to pay."),
    "card is on the blacklist": ("card_blacklisted", "This card is blocked. Ask for another way to pay."),
    "cardholder verification failed": ("card_cvm_failed", "The PIN was not verified. Ask the customer to try again "
                                       "or pay another way."),
    "declined by the card": ("card_declined", "The card declined the payment. Ask for another card or way to pay."),
}
HUB_DECLINED = "The bank declined this payment. Ask for another way to pay."
QR_NEEDS_NETWORK = "QR payments need the network, which is down. Ask for cash or a card."


@dataclass
class TenderAttempt:
    """A tender being taken: what it is, and how long the software has spent on it (card and human waits not)."""

    kind: TenderKind
    amount: Money
    attempt_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    token: str | None = None
    last4: str | None = None
    reader: CardReaderPort | None = None
    card: CardResult | None = None
    reference: str = ""
    decision: Any = None
    stepped_up: bool = False
    approved_by: str | None = None
    offline_refusal: list[str] = field(default_factory=list)  # offline-limit reasons: refused unless the hub answers
    entry_mode: str | None = None  # the risk model's entry mode when the kind alone does not say (CBDC)
    device: str | None = None  # the paying device (a CBDC hard wallet), for the risk model
    finish: Callable[[], Any] | None = None  # after risk: pay this way instead of a hub hold (digital currency)
    soft_s: float = 0.0
    _t0: float = field(default_factory=time.perf_counter)

    def pause(self) -> None:
        self.soft_s += time.perf_counter() - self._t0

    def resume(self) -> None:
        self._t0 = time.perf_counter()

    def elapsed_ms(self) -> float:
        return round((self.soft_s + time.perf_counter() - self._t0) * 1000, 3)


def card_secret(attempt: TenderAttempt) -> dict[str, Any]:
    """What the issuer needs later (sealed in the journal, never logged): the cryptogram and friends as base64."""
    out: dict[str, Any] = {"token": attempt.token} if attempt.token else {}
    card = attempt.card
    if card is not None:
        out |= {"cryptogram": base64.b64encode(bytes.fromhex(card.cryptogram)).decode(), "atc": card.atc,
                "cid": card.cid, "tvr": base64.b64encode(bytes.fromhex(card.tvr)).decode(),
                "aid": base64.b64encode(bytes.fromhex(card.aid)).decode(), "cvm": card.cvm,
                "entry": card.entry_mode}
    return out
