"""The checkout's states and the only transitions between them (the UI draws from the same table)."""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    IDLE = "idle"
    BASKET = "basket"
    TENDER_SELECTION = "tender_selection"
    CARD = "card"  # waiting for the card (contact or contactless)
    CUSTOMER_QR = "customer_qr"  # scanning the customer's payment code
    MERCHANT_QR = "merchant_qr"  # our dynamic QR is on screen, waiting for the wallet's payment
    RISK_DECISION = "risk_decision"
    STEP_UP_PIN = "step_up_pin"
    STEP_UP_SUPERVISOR = "step_up_supervisor"
    JOURNAL_COMMIT = "journal_commit"
    RECEIPT_PRINT = "receipt_print"
    RECEIPT_FAILED = "receipt_failed"  # the sale is complete; reprint or skip
    DRAWER = "drawer"


S = State
TRANSITIONS: dict[State, frozenset[State]] = {
    S.IDLE: frozenset({S.BASKET}),
    S.BASKET: frozenset({S.TENDER_SELECTION, S.IDLE}),
    S.TENDER_SELECTION: frozenset({S.CARD, S.CUSTOMER_QR, S.MERCHANT_QR, S.RISK_DECISION, S.JOURNAL_COMMIT,
                                   S.BASKET, S.IDLE}),
    S.CARD: frozenset({S.RISK_DECISION, S.TENDER_SELECTION, S.IDLE}),
    S.CUSTOMER_QR: frozenset({S.RISK_DECISION, S.TENDER_SELECTION, S.IDLE}),
    S.MERCHANT_QR: frozenset({S.RISK_DECISION, S.TENDER_SELECTION, S.IDLE}),
    S.RISK_DECISION: frozenset({S.STEP_UP_PIN, S.STEP_UP_SUPERVISOR, S.TENDER_SELECTION, S.JOURNAL_COMMIT, S.IDLE}),
    S.STEP_UP_PIN: frozenset({S.RISK_DECISION, S.TENDER_SELECTION, S.IDLE}),
    S.STEP_UP_SUPERVISOR: frozenset({S.RISK_DECISION, S.TENDER_SELECTION, S.IDLE}),
    S.JOURNAL_COMMIT: frozenset({S.TENDER_SELECTION, S.RECEIPT_PRINT}),
    S.RECEIPT_PRINT: frozenset({S.DRAWER, S.RECEIPT_FAILED}),
    S.RECEIPT_FAILED: frozenset({S.RECEIPT_PRINT, S.DRAWER}),
    S.DRAWER: frozenset({S.IDLE}),
}
# where "cancel" is allowed: anything before the sale is committed
CANCELLABLE = frozenset({S.BASKET, S.TENDER_SELECTION, S.CARD, S.CUSTOMER_QR, S.MERCHANT_QR, S.STEP_UP_PIN,
                         S.STEP_UP_SUPERVISOR})
