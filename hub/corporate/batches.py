"""Maker-checker for supplier batches: a finance user submits a checked file; an admin who is not the submitter
approves or rejects; a batch whose total reaches the two-approver threshold (limits.toml) needs two different admins.
Every step is an operator action (hub.backoffice.users.log_action: who, when, what) in the same transaction.

Submitting stores one payout row per valid file row (account sealed, hub.corporate.sealing); invalid rows stay in
the batch's error list. Approval makes rows `due` (pay_on today or none) or `scheduled` (pay_on ahead); the rows are
then paid by hub.corporate.execute.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from hub.backend import Tx, chunks, in_clause
from hub.backoffice.users import User, log_action
from hub.clock import iso
from hub.corporate.batch_file import CheckResult, PaidLookup, Row, check
from hub.corporate.limits import Limits, default_limits
from hub.corporate.rails import RAILS
from hub.corporate.sealing import AccountSeal, mask
from hub.errors import Conflict, HubError, NotFound
from hub.merchants import business_zone
from hub.store import Store
from sync.crypto import sm3

SUBMITTERS = ("finance", "admin")  # an admin may submit too; another person approves
APPROVERS = ("admin",)


class NotAllowed(HubError):
    """The user may not do this step (role, same person, other merchant)."""

    status = 403
    code = "not_allowed"


@dataclass(frozen=True, slots=True)
class Batch:
    id: str
    merchant_id: str
    status: str
    file_name: str
    rail: str
    rows_total: int
    totals: dict[str, int]
    errors: list[dict[str, Any]]
    approvals_needed: int
    submitted_by: str
    submitted_at: str
    decided_at: str | None
    reason: str | None
    approvals: list[tuple[str, str, str]]  # (approver, decision, at)


def local_today(tx: Tx, merchant_id: str, now: datetime) -> date:
    return now.astimezone(business_zone(tx, merchant_id)).date()


def paid_lookup(tx: Tx, merchant_id: str, seal: AccountSeal, since: datetime) -> PaidLookup:
    """The check's lookup of rows paid in the duplicate window (by keyed fingerprint)."""
    def lookup(rows: list[Row]) -> set[int]:
        keys = {seal.dup_key(merchant_id, r.payee_name, r.account, r.amount, r.currency, r.reference): r.row_no
                for r in rows}
        found: set[int] = set()
        for part in chunks(list(keys), 500):
            for (key,) in tx.all(f"SELECT dup_key FROM corp_payouts WHERE merchant_id = ? AND status = 'paid' AND "
                                 f"paid_at >= ? AND dup_key IN {in_clause(part)}", [merchant_id, iso(since), *part]):
                found.add(keys[key])
        return found
    return lookup


def check_file(store: Store, merchant_id: str, data: bytes, file_name: str, seal: AccountSeal | None,
               now: datetime, limits: Limits | None = None) -> CheckResult:
    """Check a file for `merchant_id`; with `seal`, also against what the merchant paid in the duplicate window."""
    limits = limits or default_limits()

    def run(tx: Tx) -> CheckResult:
        lookup = paid_lookup(tx, merchant_id, seal, now - timedelta(days=limits.duplicate_days)) if seal else None
        return check(data, file_name, local_today(tx, merchant_id, now), limits, lookup)

    return store.view(run)


def submit(store: Store, user: User, data: bytes, file_name: str, seal: AccountSeal, now: datetime,
           rail: str = "bank", limits: Limits | None = None) -> tuple[Batch, CheckResult]:
    """A finance user submits the file's valid rows as a batch awaiting approval."""
    if user.role not in SUBMITTERS:
        raise NotAllowed(f"{user.name} is {user.role}; a finance user or an admin submits batches")
    if rail not in RAILS:
        raise HubError(f"rail must be one of {', '.join(RAILS)}", code="bad_rail")
    limits = limits or default_limits()
    checked = check_file(store, user.merchant_id, data, file_name, seal, now, limits)
    if not checked.valid:
        raise HubError("the file has no valid row to pay", code="empty_batch")
    batch_id = f"B{now:%Y%m%d}-{uuid.uuid4().hex[:8].upper()}"
    totals = checked.totals()
    errors = checked.summary()["errors"]
    name = file_name.replace("\\", "/").rsplit("/", 1)[-1][:120] or "batch"

    def write(tx: Tx) -> None:
        tx.run("INSERT INTO corp_batches (id, merchant_id, status, file_name, file_sm3, rail, rows_total, totals, "
               "errors, approvals_needed, submitted_by, submitted_at) VALUES (?, ?, 'submitted', ?, ?, ?, ?, ?, ?, "
               "?, ?, ?)", (batch_id, user.merchant_id, name, sm3(data).hex(), rail, checked.rows,
                            json.dumps(totals), json.dumps(errors, ensure_ascii=False),
                            limits.approvers_needed(totals), user.name, iso(now)))
        rows = []
        for row in checked.valid:
            payout_id = f"{batch_id}-{row.row_no}"
            rows.append((payout_id, user.merchant_id, batch_id, row.row_no, row.payee_name, mask(row.account),
                         seal.seal(row.account, payout_id),
                         seal.dup_key(user.merchant_id, row.payee_name, row.account, row.amount, row.currency,
                                      row.reference), row.bank_code, row.amount, row.currency, row.reference,
                         row.pay_on, rail, "awaiting_approval", uuid.uuid4().hex, iso(now)))
        tx.insert("corp_payouts", ("id", "merchant_id", "batch_id", "row_no", "payee_name", "account_masked",
                                   "account_sealed", "dup_key", "bank_code", "amount", "currency", "reference",
                                   "pay_on", "rail", "status", "idem_key", "created_at"), rows)
        log_action(tx, now, user.name, user.merchant_id, "corp.batch.submit",
                   {"batch": batch_id, "rows": len(rows), "totals": totals, "rail": rail, "file": name})

    store.read(write)
    return load(store, batch_id, user.merchant_id), checked


def _decide(tx: Tx, user: User, batch_id: str, decision: str, now: datetime, reason: str) -> str:
    if user.role not in APPROVERS:
        raise NotAllowed(f"{user.name} is {user.role}; an admin approves or rejects batches")
    tx.lock_name(f"corp-batch:{batch_id}")
    row = tx.one("SELECT status, submitted_by, approvals_needed FROM corp_batches WHERE id = ? AND merchant_id = ?",
                 (batch_id, user.merchant_id))
    if row is None:
        raise NotFound(f"no batch {batch_id}", code="unknown_batch")
    status, submitter, needed = row
    if status != "submitted":
        raise Conflict(f"batch {batch_id} is {status} already", code="batch_decided")
    if user.name == submitter:
        raise NotAllowed("the person who submitted a batch may not approve or reject it", code="same_person")
    if tx.one("SELECT 1 FROM corp_approvals WHERE batch_id = ? AND approver = ?", (batch_id, user.name)):
        raise NotAllowed(f"{user.name} approved this batch already; a second approver must be another person",
                         code="same_person")
    tx.run("INSERT INTO corp_approvals (batch_id, approver, decision, at) VALUES (?, ?, ?, ?)",
           (batch_id, user.name, decision, iso(now)))
    approvals = tx.one("SELECT count(*) FROM corp_approvals WHERE batch_id = ? AND decision = 'approve'",
                       (batch_id,))[0]
    if decision == "reject":
        outcome = "rejected"
        tx.run("UPDATE corp_batches SET status = 'rejected', decided_at = ?, reason = ? WHERE id = ?",
               (iso(now), reason[:500] or None, batch_id))
        tx.run("UPDATE corp_payouts SET status = 'rejected', reason = ? WHERE batch_id = ?",
               (f"batch rejected by {user.name}" + (f": {reason[:200]}" if reason else ""), batch_id))
    elif int(approvals) >= int(needed):
        outcome = "approved"
        today = local_today(tx, user.merchant_id, now).isoformat()
        tx.run("UPDATE corp_batches SET status = 'approved', decided_at = ? WHERE id = ?", (iso(now), batch_id))
        tx.run("UPDATE corp_payouts SET status = CASE WHEN pay_on IS NOT NULL AND pay_on > ? THEN 'scheduled' "
               "ELSE 'due' END WHERE batch_id = ? AND status = 'awaiting_approval'", (today, batch_id))
    else:
        outcome = "needs_second_approver"
    log_action(tx, now, user.name, user.merchant_id, f"corp.batch.{decision}",
               {"batch": batch_id, "outcome": outcome, "approvals": int(approvals), "needed": int(needed),
                **({"reason": reason[:200]} if reason else {})})
    return outcome


def approve(store: Store, user: User, batch_id: str, now: datetime) -> str:
    """Record `user`'s approval; returns approved or needs_second_approver."""
    return store.read(lambda tx: _decide(tx, user, batch_id, "approve", now, ""))


def reject(store: Store, user: User, batch_id: str, now: datetime, reason: str = "") -> str:
    return store.read(lambda tx: _decide(tx, user, batch_id, "reject", now, reason))


def load(store: Store, batch_id: str, merchant_id: str) -> Batch:
    def read(tx: Tx) -> Batch:
        row = tx.one("SELECT id, merchant_id, status, file_name, rail, rows_total, totals, errors, approvals_needed, "
                     "submitted_by, submitted_at, decided_at, reason FROM corp_batches WHERE id = ? AND "
                     "merchant_id = ?", (batch_id, merchant_id))
        if row is None:
            raise NotFound(f"no batch {batch_id}", code="unknown_batch")
        approvals = [tuple(a) for a in tx.all("SELECT approver, decision, at FROM corp_approvals WHERE batch_id = ? "
                                              "ORDER BY at", (batch_id,))]
        return Batch(*row[:6], json.loads(row[6]), json.loads(row[7]), *row[8:], approvals)  # type: ignore[arg-type]
    return store.view(read)


def recent(store: Store, merchant_id: str, limit: int = 50) -> list[tuple[Any, ...]]:
    """The merchant's latest batches: id, status, file, rows, totals, submitted by/at."""
    return store.view(lambda tx: tx.all(
        "SELECT id, status, file_name, rows_total, totals, submitted_by, submitted_at, approvals_needed FROM "
        f"corp_batches WHERE merchant_id = ? ORDER BY submitted_at DESC LIMIT {int(limit)}", (merchant_id,)))
