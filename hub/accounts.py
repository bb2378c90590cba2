"""Ledger account names. One place decides which account a tender kind clears through."""

from __future__ import annotations

from sync.protocol import TenderKind

FEES = "fees"  # exists so fee postings have a home; the reference hub charges none yet
CLEARING = {
    TenderKind.CARD_CONTACT: "clearing:card",
    TenderKind.CARD_CONTACTLESS: "clearing:card",
    TenderKind.QR_CUSTOMER: "clearing:qr",
    TenderKind.QR_MERCHANT: "clearing:qr",
    TenderKind.CBDC_WALLET: "clearing:cbdc",
}
SYSTEM_ACCOUNTS = (*sorted(set(CLEARING.values())), FEES)


def merchant_sales(merchant_id: str) -> str:
    return f"merchant:{merchant_id}:sales"


def merchant_cash(merchant_id: str) -> str:
    return f"merchant:{merchant_id}:cash"


def merchant_refunds(merchant_id: str) -> str:
    return f"merchant:{merchant_id}:refunds"


def merchant_accounts(merchant_id: str) -> tuple[str, str, str]:
    return merchant_sales(merchant_id), merchant_cash(merchant_id), merchant_refunds(merchant_id)


def tender_account(kind: TenderKind, merchant_id: str) -> str:
    """Where the money of a tender sits until settlement: cash in the merchant's drawer, the rest at a clearer."""
    return merchant_cash(merchant_id) if kind is TenderKind.CASH else CLEARING[kind]
