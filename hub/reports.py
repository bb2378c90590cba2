"""Read-only views of the ledger: settlement totals for a business day and the trial balance."""

from __future__ import annotations

from collections import defaultdict
from typing import Literal

from hub.accounts import merchant_refunds, merchant_sales
from hub.backend import Tx
from hub.errors import NotFound
from sync.protocol import Message, SettlementTotal


class TrialBalance(Message):
    """Posted postings per currency (must all be 0) and the number of transfers whose own postings do not net
    to zero in some currency (must be 0): the ledger is balanced when both hold."""

    balanced: bool
    totals: dict[str, int]
    unbalanced_transfers: int
    transfers: int
    postings: int


class TerminalStatus(Message):
    terminal_id: str
    merchant_id: str
    enrolled_at: str
    last_seq: int
    last_hash: str
    records: dict[str, int]  # by status: accepted, declined


def trial_balance(tx: Tx) -> TrialBalance:
    totals = {currency: int(total) for currency, total in tx.all(
        "SELECT p.currency, sum(p.amount) FROM postings p JOIN transfers t ON t.id = p.transfer_id "
        "WHERE t.status = 'posted' GROUP BY p.currency ORDER BY p.currency")}
    unbalanced = tx.one("SELECT count(*) FROM (SELECT transfer_id FROM postings GROUP BY transfer_id, currency "
                        "HAVING sum(amount) <> 0) AS bad")
    transfers = tx.one("SELECT count(*) FROM transfers")
    postings = tx.one("SELECT count(*) FROM postings")
    assert unbalanced is not None and transfers is not None and postings is not None
    return TrialBalance(balanced=not any(totals.values()) and unbalanced[0] == 0, totals=totals,
                        unbalanced_transfers=int(unbalanced[0]), transfers=int(transfers[0]),
                        postings=int(postings[0]))


def settlement(tx: Tx, day: str, scope: Literal["terminal", "merchant"], scope_id: str) -> list[SettlementTotal]:
    """Money booked on `day` (the merchant's business day, hub.merchants) per currency: sales net of voids,
    refunds, and the net per tender kind.

    `count` is the number of distinct sales with money booked that day (a sale paid through a captured hold
    counts once)."""
    if scope == "terminal":
        row = tx.one("SELECT merchant_id FROM terminals WHERE id = ?", (scope_id,))
        if row is None:
            raise NotFound(f"no terminal {scope_id}", code="unknown_terminal")
        merchant, where = row[0], "t.terminal_id = ?"
    else:
        merchant, where = scope_id, "t.merchant_id = ?"
    sales: dict[str, int] = defaultdict(int)
    refunds: dict[str, int] = defaultdict(int)
    by_tender: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for currency, account, tender, amount in tx.all(
            "SELECT p.currency, p.account, p.tender, sum(p.amount) FROM postings p JOIN transfers t "
            f"ON t.id = p.transfer_id WHERE t.status = 'posted' AND t.business_day = ? AND {where} "
            "GROUP BY p.currency, p.account, p.tender", (day, scope_id)):
        amount = int(amount)
        if account == merchant_sales(merchant):
            sales[currency] -= amount
        elif account == merchant_refunds(merchant):
            refunds[currency] += amount
        if tender is not None:
            by_tender[currency][tender] += amount
    counts = dict(tx.all(
        "SELECT p.currency, count(DISTINCT t.sale_id) FROM transfers t JOIN postings p ON p.transfer_id = t.id "
        f"WHERE t.status = 'posted' AND t.kind IN ('sale', 'auth') AND t.business_day = ? AND {where} "
        "GROUP BY p.currency", (day, scope_id)))
    return [SettlementTotal(business_day=day, scope=scope, id=scope_id, currency=currency, sales=sales[currency],
                            refunds=refunds[currency], net=sales[currency] - refunds[currency],
                            count=int(counts.get(currency, 0)), by_tender=dict(sorted(by_tender[currency].items())))
            for currency in sorted(set(sales) | set(refunds) | set(by_tender))]


def terminal_status(tx: Tx, terminal_id: str) -> TerminalStatus:
    row = tx.one("SELECT id, merchant_id, enrolled_at, last_seq, last_hash FROM terminals WHERE id = ?",
                 (terminal_id,))
    if row is None:
        raise NotFound(f"no terminal {terminal_id}", code="unknown_terminal")
    counts = {status: int(n) for status, n in tx.all(
        "SELECT status, count(*) FROM records WHERE terminal_id = ? GROUP BY status ORDER BY status", (terminal_id,))}
    return TerminalStatus(terminal_id=row[0], merchant_id=row[1], enrolled_at=row[2], last_seq=row[3],
                          last_hash=row[4], records=counts)
