"""Tenders: how a sale was paid (or a refund paid back). A card is kept only as its last four digits."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from terminal.domain.errors import InvalidAmount, TenderError
from terminal.domain.money import Money


class TenderKind(StrEnum):
    CASH = "cash"
    CARD_CONTACT = "card_contact"
    CARD_CONTACTLESS = "card_contactless"
    QR_CUSTOMER = "qr_customer"  # customer shows a QR code, the terminal scans it
    QR_MERCHANT = "qr_merchant"  # the terminal shows a QR code, the customer's phone scans it
    CBDC_WALLET = "cbdc_wallet"

    @property
    def label(self) -> str:
        """What the receipt and the cashier screen call it."""
        return _LABELS[self]


_LABELS = {
    TenderKind.CASH: "Cash",
    TenderKind.CARD_CONTACT: "Card",
    TenderKind.CARD_CONTACTLESS: "Card contactless",
    TenderKind.QR_CUSTOMER: "QR payment",
    TenderKind.QR_MERCHANT: "QR payment",
    TenderKind.CBDC_WALLET: "Digital currency",
}

_LAST4 = re.compile(r"[0-9]{4}")
_TOKEN = re.compile(r"tk_[0-9a-f]{8,64}")


@dataclass(frozen=True, slots=True)
class Tender:
    """One payment. `reference` is the processor's id (auth code, RRN, wallet transaction id) and is required for
    anything but cash: reconciliation matches on it. `card_last4` is exactly four digits, never more of the PAN.
    `token` (sync.pan.tokenize_pan) names the card or wallet without revealing it: the hub checks it against its
    blacklist and velocity when an offline approval reaches it. It is never printed."""

    kind: TenderKind
    amount: Money
    reference: str = ""
    card_last4: str | None = None
    token: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", TenderKind(self.kind))
        if not isinstance(self.amount, Money):
            raise TypeError(f"tender amount must be Money, not {type(self.amount).__name__}")
        if not self.amount.is_positive:
            raise InvalidAmount("A payment must be above zero.", code="payment_not_positive")
        if not isinstance(self.reference, str):
            raise TypeError("reference must be a str")
        if self.kind is not TenderKind.CASH and not self.reference.strip():
            raise TenderError("This payment needs its reference (authorisation or transaction id).",
                              code="payment_needs_reference")
        if self.card_last4 is not None:
            if self.kind is TenderKind.CASH:
                raise TenderError("A cash payment has no card.", code="cash_has_no_card")
            if not isinstance(self.card_last4, str) or not _LAST4.fullmatch(self.card_last4):
                raise TenderError("Keep only the last four digits of the card.", code="keep_last_four_only")
        if self.token is not None:
            if self.kind is TenderKind.CASH:
                raise TenderError("A cash payment has no card or wallet token.", code="cash_has_no_token")
            if not isinstance(self.token, str) or not _TOKEN.fullmatch(self.token):
                raise TenderError("A card or wallet token looks like tk_ and hex digits.", code="token_malformed")

    @property
    def is_cash(self) -> bool:
        return self.kind is TenderKind.CASH

    @property
    def masked_card(self) -> str | None:
        """"**** 4242", or None when there is no card."""
        return None if self.card_last4 is None else f"**** {self.card_last4}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": str(self.kind),
            "amount": self.amount.to_dict(),
            "reference": self.reference,
            "card_last4": self.card_last4,
            **({"token": self.token} if self.token is not None else {}),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Tender:
        return cls(TenderKind(data["kind"]), Money.from_dict(data["amount"]), data["reference"], data["card_last4"],
                   data.get("token"))
