"""Payment rails: how one approved payout leaves the merchant. `PaymentRail` is the adapter a real bank's or CBDC
operator's API replaces; it is called inside the transaction that marks the payout paid, with the payout's
idempotency key (a real adapter sends it to the bank, so a retry after a crash is recognised there too).

Reference rails, booked on the hub's double-entry ledger (balances kept by hub.cbdc.ledger.book):
- `bank`: a bank transfer from the merchant's bank account (`cbdc:bank:<merchant>`, where digital-currency sweeps
  land) to `corp:payouts`, what is owed to the payees' banks until the transfer clears;
- `cbdc`: digital currency from the merchant's CBDC wallet (`cbdc:merchant:<merchant>`) to `corp:payouts:cbdc`;
  refused when the wallet holds less than the payout or the payout is not in the CBDC's currency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from hub.backend import Tx
from hub.backoffice.money import to_major
from hub.cbdc import ledger as L
from hub.corporate.fx import funding

PAYOUT_CLEARING = "corp:payouts"
CBDC_PAYOUTS = "corp:payouts:cbdc"


@dataclass(frozen=True, slots=True)
class Payout:
    id: str
    merchant_id: str
    batch_id: str
    row_no: int
    payee_name: str
    account_masked: str
    bank_code: str
    amount: int
    currency: str
    reference: str
    pay_on: str | None
    rail: str
    status: str
    reason: str | None
    idem_key: str
    transfer_id: str | None
    paid_at: str | None


PAYOUT_COLUMNS = ("id", "merchant_id", "batch_id", "row_no", "payee_name", "account_masked", "bank_code", "amount",
                  "currency", "reference", "pay_on", "rail", "status", "reason", "idem_key", "transfer_id", "paid_at")


class RailRefused(Exception):
    """The rail will not pay this payout: a stable code and a sentence (the row becomes `failed` with them)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class PaymentRail(Protocol):
    name: str

    def pay(self, tx: Tx, payout: Payout, now: datetime) -> str:
        """Pay `payout` in the caller's transaction; returns the ledger transfer id, or raises RailRefused."""
        ...


def _transfer_id(payout: Payout) -> str:
    return f"corp:{payout.idem_key}"  # transfers.id is the primary key: a second booking of a row cannot commit


class BankTransferRail:
    name = "bank"

    def pay(self, tx: Tx, payout: Payout, now: datetime) -> str:
        source = L.bank_account(payout.merchant_id)
        L.ensure_accounts(tx, [source, PAYOUT_CLEARING], None, now)
        transfer_id = _transfer_id(payout)
        amount, currency = funding(tx, payout.idem_key, payout.amount, payout.currency)  # at the hub's FX rate
        L.book(tx, L.movement("corp_payout", transfer_id, debit=source, credit=PAYOUT_CLEARING,
                              amount=amount, currency=currency, now=now,
                              merchant_id=payout.merchant_id, ref=f"{payout.reference} {payout.account_masked}"[:200]))
        return transfer_id


class CbdcWalletRail:
    name = "cbdc"

    def pay(self, tx: Tx, payout: Payout, now: datetime) -> str:
        currency = L.default_config().currency
        if payout.currency != currency:
            raise RailRefused("bad_currency", f"the digital-currency wallet pays in {currency}, not "
                                              f"{payout.currency}")
        wallet = L.merchant_wallet(payout.merchant_id)
        tx.lock_name(f"cbdc-wallet:{wallet}")
        held = -L.balance(tx, wallet)
        if held < payout.amount:
            raise RailRefused("insufficient_funds", f"the merchant wallet holds {to_major(held, currency)} "
                                                    f"{currency}, less than the payout")
        L.ensure_accounts(tx, [wallet, CBDC_PAYOUTS], None, now)
        transfer_id = _transfer_id(payout)
        L.book(tx, L.movement("corp_payout", transfer_id, debit=wallet, credit=CBDC_PAYOUTS, amount=payout.amount,
                              currency=payout.currency, now=now, merchant_id=payout.merchant_id,
                              ref=f"{payout.reference} {payout.account_masked}"[:200]))
        return transfer_id


RAILS: dict[str, PaymentRail] = {"bank": BankTransferRail(), "cbdc": CbdcWalletRail()}
