"""Double-entry building blocks: balanced transfers, holds, and the write set flushed in bulk at the end.

A transfer is a set of postings that sums to zero per currency (debits positive, credits negative); `Writes.add`
refuses any other, so an unbalanced movement can never reach the database. Holds are two-phase: a pending
transfer is placed at authorisation and later posted (with the captured amount) or voided.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from hub.backend import Tx, in_clause
from sync.protocol import Amount, AuthResponse, AuthStatus, TenderKind


class UnbalancedTransfer(AssertionError):
    """A bug: the ledger logic built postings that do not sum to zero."""


@dataclass(slots=True)
class Posting:
    account: str
    currency: str
    amount: int  # minor units; debit > 0, credit < 0
    tender: str | None = None  # the tender kind, on the side where the money sits (settlement by tender)


@dataclass(slots=True)
class Transfer:
    id: str
    kind: str  # sale, auth, refund, reversal
    status: str  # pending, posted, voided
    terminal_id: str
    merchant_id: str
    business_day: str
    created_at: str
    seq: int | None = None
    auth_id: str | None = None
    sale_id: str | None = None
    ref: str | None = None  # refund id, void id
    postings: list[Posting] = field(default_factory=list)

    def move(self, debit: str, credit: str, currency: str, amount: int, tender: TenderKind | None,
             tender_on_debit: bool = True) -> None:
        """Move `amount` from `credit` to `debit`: two postings that cancel out."""
        if amount <= 0:
            raise ValueError("a movement is positive")
        kind = None if tender is None else str(tender)
        self.postings.append(Posting(debit, currency, amount, kind if tender_on_debit else None))
        self.postings.append(Posting(credit, currency, -amount, None if tender_on_debit else kind))

    def imbalance(self) -> dict[str, int]:
        sums: dict[str, int] = defaultdict(int)
        for posting in self.postings:
            sums[posting.currency] += posting.amount
        return {currency: total for currency, total in sums.items() if total}


HOLD_COLUMNS = ("auth_id", "terminal_id", "merchant_id", "sale_id", "tender", "token", "amount", "currency",
                "status", "reason", "captured", "refunded", "expires_at", "created_at", "transfer_id")


@dataclass(slots=True)
class Hold:
    auth_id: str
    terminal_id: str
    merchant_id: str
    sale_id: str
    tender: str
    token: str | None
    amount: int
    currency: str
    status: str  # an AuthStatus value
    reason: str | None
    captured: int
    refunded: int
    expires_at: str | None
    created_at: str
    transfer_id: str | None

    def row(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in HOLD_COLUMNS)

    def response(self) -> AuthResponse:
        money = lambda value: Amount(amount=value, currency=self.currency)  # noqa: E731
        return AuthResponse(
            auth_id=self.auth_id, status=AuthStatus(self.status), reason=self.reason, amount=money(self.amount),
            captured=money(self.captured), refunded=money(self.refunded),
            expires_at=datetime.fromisoformat(self.expires_at) if self.expires_at and self.status == "approved"
            else None,
        )


def load_holds(tx: Tx, auth_ids: list[str]) -> dict[str, Hold]:
    if not auth_ids:
        return {}
    rows = tx.all(f"SELECT {', '.join(HOLD_COLUMNS)} FROM holds WHERE auth_id IN {in_clause(auth_ids)}", auth_ids)
    return {row[0]: Hold(*row) for row in rows}


@dataclass
class Writes:
    """Everything one transaction changes, written at its end with one bulk statement per table."""

    transfers: list[Transfer] = field(default_factory=list)
    new_holds: list[Hold] = field(default_factory=list)
    changed_holds: dict[str, Hold] = field(default_factory=dict)
    transfer_status: dict[str, tuple[str, str | None, int | None]] = field(default_factory=dict)  # id: status, day, amt

    def add(self, transfer: Transfer) -> None:
        unbalanced = transfer.imbalance()
        if unbalanced:
            raise UnbalancedTransfer(f"transfer {transfer.id} does not balance: {unbalanced}")
        self.transfers.append(transfer)

    def hold_changed(self, hold: Hold) -> None:
        if hold not in self.new_holds:
            self.changed_holds[hold.auth_id] = hold

    def post_pending(self, transfer_id: str, amount: int, business_day: str) -> None:
        """Post a pending (hold) transfer with `amount`: a capture of less than the hold releases the rest."""
        self.transfer_status[transfer_id] = ("posted", business_day, amount)

    def void_pending(self, transfer_id: str) -> None:
        self.transfer_status[transfer_id] = ("voided", None, None)

    def flush(self, tx: Tx) -> None:
        tx.insert("transfers", ("id", "kind", "status", "terminal_id", "merchant_id", "seq", "auth_id", "sale_id",
                                "ref", "business_day", "created_at"),
                  [(t.id, t.kind, t.status, t.terminal_id, t.merchant_id, t.seq, t.auth_id, t.sale_id, t.ref,
                    t.business_day, t.created_at) for t in self.transfers])
        tx.insert("postings", ("transfer_id", "line", "account", "currency", "amount", "tender", "merchant_id"),
                  [(t.id, line, p.account, p.currency, p.amount, p.tender, t.merchant_id)
                   for t in self.transfers for line, p in enumerate(t.postings, start=1)])
        tx.insert("holds", HOLD_COLUMNS, [hold.row() for hold in self.new_holds])
        if self.changed_holds:
            tx.many("UPDATE holds SET status = ?, captured = ?, refunded = ? WHERE auth_id = ?",
                    [(h.status, h.captured, h.refunded, h.auth_id) for h in self.changed_holds.values()])
        posted = [(amount, amount, day, tid) for tid, (status, day, amount) in self.transfer_status.items()
                  if status == "posted"]
        if posted:
            tx.many("UPDATE postings SET amount = CASE WHEN amount > 0 THEN ? ELSE -? END WHERE transfer_id = ?",
                    [(a, b, tid) for a, b, _, tid in posted])
            tx.many("UPDATE transfers SET status = 'posted', business_day = ? WHERE id = ? AND status = 'pending'",
                    [(day, tid) for _, _, day, tid in posted])
        voided = [(tid,) for tid, (status, _, _) in self.transfer_status.items() if status == "voided"]
        if voided:
            tx.many("UPDATE transfers SET status = 'voided' WHERE id = ? AND status = 'pending'", voided)
