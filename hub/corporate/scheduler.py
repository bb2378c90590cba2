"""Scheduled corporate payments: one-off or monthly, run on their date by a scheduler that every hub process starts,
exactly once across restarts and across several hub processes on one database.

Two steps, each one transaction:
1. *Materialise*: schedules whose next date has come are claimed (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so two
   hubs take different rows; SQLite has one writer) and each due date becomes an occurrence row keyed by (schedule,
   date) with its idempotency key `sched:<id>:<date>`; the schedule's next date moves on in the same transaction.
   Each occurrence is a payout (a one-row approved batch of hub.corporate.tables) with the occurrence's key.
2. *Pay*: one due occurrence is claimed the same way and paid through hub.corporate.execute.pay_in in the same
   transaction that marks it paid (or failed with the reason: a stale FX rate, a rail's refusal). A hub killed
   anywhere leaves either nothing or all of it. (Supplier-batch rows whose pay date has come, `scheduled`, are paid
   by execute.resume, which hub.backoffice.corporate_web runs on the same beat in every hub.)

A schedule is a standing payment instruction, so it is maker-checker like a supplier batch: finance (or an admin)
sets it up `pending`, and an admin who is not the maker approves it before any date is paid.

Monthly dates keep the day asked for: the 31st is paid on the last day of shorter months (28 or 29 February, 30
April) and on the 31st again in the months that have one. A hub that was down pays each missed date once.
"""

from __future__ import annotations

import calendar
import json
import logging
import os
import re
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from hub.backend import Tx
from hub.backoffice.money import to_major
from hub.clock import Clock, iso, utc_now
from hub.corporate import execute
from hub.corporate.sealing import AccountSeal, mask, secret_from_env
from hub.corporate.wallet import sweep_all
from hub.errors import HubError, NotFound
from hub.merchants import business_zone
from hub.store import Store
from sync.crypto import sm3
from sync.protocol import ISO_4217

log = logging.getLogger("edgepos.hub")
Repeat = Literal["once", "monthly"]
MAX_AHEAD = timedelta(days=366)
CHECK_EVERY_S = 60.0
BATCH = 100
_SPACES = re.compile(r"[\s-]+")


@dataclass(frozen=True, slots=True)
class Schedule:
    id: str
    merchant_id: str
    payee_name: str
    account_masked: str
    bank_code: str
    amount: int
    currency: str
    reference: str
    repeat: str
    day_of_month: int
    next_on: str | None
    until_on: str | None
    status: str
    created_by: str
    created_at: str
    decided_by: str | None
    decided_at: str | None


@dataclass(frozen=True, slots=True)
class Occurrence:
    schedule_id: str
    due_on: str
    idem_key: str
    payout_id: str | None
    status: str
    reason: str | None
    run_by: str
    done_at: str | None


def on_day(year: int, month: int, day_of_month: int) -> date:
    """The payment date of a month: the day asked for, or the month's last day when it is shorter."""
    return date(year, month, min(day_of_month, calendar.monthrange(year, month)[1]))


def following(current: date, day_of_month: int) -> date:
    """The next monthly date after `current`."""
    year, month = (current.year + 1, 1) if current.month == 12 else (current.year, current.month + 1)
    return on_day(year, month, day_of_month)


def add_schedule(tx: Tx, seal: AccountSeal, *, merchant_id: str, payee_name: str, account: str, bank_code: str,
                 amount: int, currency: str, reference: str, first_on: date, repeat: Repeat, until_on: date | None,
                 actor: str, now: datetime) -> Schedule:
    """A schedule paying `amount` on `first_on` (and, monthly, on that day of every later month until `until_on`)."""
    today = now.date()
    problems = []
    if not payee_name.strip() or not account.strip() or not bank_code.strip():
        problems.append("payee name, account and bank code are required")
    if amount <= 0:
        problems.append("the amount must be positive")
    if currency not in ISO_4217:
        problems.append(f"{currency!r} is not an ISO 4217 currency code")
    if repeat not in ("once", "monthly"):
        problems.append("repeat is once or monthly")
    if not today <= first_on <= today + MAX_AHEAD:
        problems.append(f"the first date must be between today ({today}) and {MAX_AHEAD.days} days ahead")
    if until_on is not None and until_on < first_on:
        problems.append("the last date is before the first")
    if problems:
        raise HubError("; ".join(problems), code="bad_schedule")
    ident = f"SC{uuid.uuid4().hex[:20].upper()}"
    account = _SPACES.sub("", account)[:64]
    tx.run("INSERT INTO corp_schedules (id, merchant_id, payee_name, account_masked, account_sealed, bank_code, "
           "amount, currency, reference, repeat, day_of_month, next_on, until_on, status, created_by, created_at) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
           (ident, merchant_id, payee_name.strip()[:200], mask(account), seal.seal(account, ident),
            bank_code.strip()[:32], amount,
            currency, reference.strip()[:140], repeat, first_on.day, first_on.isoformat(),
            until_on.isoformat() if until_on else None, actor, iso(now)))
    return load_schedule(tx, merchant_id, ident)


_SCHEDULE = ("SELECT id, merchant_id, payee_name, account_masked, bank_code, amount, currency, reference, repeat, "
             "day_of_month, next_on, until_on, status, created_by, created_at, decided_by, decided_at "
             "FROM corp_schedules ")


def _schedule(row: tuple) -> Schedule:
    return Schedule(*row[:5], int(row[5]), *row[6:9], int(row[9]), *row[10:])


def load_schedule(tx: Tx, merchant_id: str, schedule_id: str) -> Schedule:
    row = tx.one(_SCHEDULE + "WHERE id = ? AND merchant_id = ?", (schedule_id, merchant_id))
    if row is None:
        raise NotFound(f"no schedule {schedule_id}", code="no_schedule")
    return _schedule(row)


def schedules(tx: Tx, merchant_id: str) -> list[Schedule]:
    return [_schedule(r) for r in tx.all(_SCHEDULE + "WHERE merchant_id = ? ORDER BY status, next_on, id",
                                         (merchant_id,))]


def decide(tx: Tx, merchant_id: str, schedule_id: str, approve: bool, actor: str, now: datetime) -> Schedule:
    """The checker's decision on a pending schedule: never by the person who set it up. A first date that passed
    while it waited is paid at the next round (the schedule is late, not skipped)."""
    tx.lock_name(f"corp-schedule:{schedule_id}")
    schedule = load_schedule(tx, merchant_id, schedule_id)
    if schedule.status != "pending":
        raise HubError(f"schedule {schedule_id} is {schedule.status}, not waiting for approval",
                       code="decided_already")
    if schedule.created_by == actor:
        raise HubError("a scheduled payment needs a second person: you set this one up, another admin approves it",
                       code="schedule_same_person")
    tx.run("UPDATE corp_schedules SET status = ?, decided_by = ?, decided_at = ? WHERE id = ?",
           ("active" if approve else "rejected", actor, iso(now), schedule_id))
    if not approve:
        tx.run("UPDATE corp_schedules SET next_on = NULL WHERE id = ?", (schedule_id,))
    return load_schedule(tx, merchant_id, schedule_id)


def cancel(tx: Tx, merchant_id: str, schedule_id: str) -> Schedule:
    """No further occurrences (ones already due are paid)."""
    load_schedule(tx, merchant_id, schedule_id)
    tx.run("UPDATE corp_schedules SET status = 'cancelled', next_on = NULL WHERE id = ? AND status IN ('active', "
           "'pending')", (schedule_id,))
    return load_schedule(tx, merchant_id, schedule_id)


def occurrences(tx: Tx, schedule_id: str) -> list[Occurrence]:
    rows = tx.all("SELECT schedule_id, due_on, idem_key, payout_id, status, reason, run_by, done_at "
                  "FROM corp_occurrences WHERE schedule_id = ? ORDER BY due_on", (schedule_id,))
    return [Occurrence(*r) for r in rows]


# --- the two steps ----------------------------------------------------------------------------------------------


def materialise(tx: Tx, seal: AccountSeal, worker: str, now: datetime, skip_locked: str,
                offset: int = 0) -> tuple[int, int, int]:
    """Turn every schedule date up to the merchant's business day today (its time zone, hub.merchants) into an
    occurrence and its payout, once. Looks at up to BATCH schedules after `offset`; returns (occurrences made,
    schedules not yet due, schedules looked at)."""
    horizon = (now.astimezone(UTC).date() + timedelta(days=1)).isoformat()  # no zone is more than a day ahead
    rows = tx.all(_SCHEDULE + f"WHERE status = 'active' AND next_on <= ? ORDER BY next_on, id LIMIT {BATCH} "
                  f"OFFSET {int(offset)}{skip_locked}", (horizon,))
    made = waiting = 0
    for schedule in map(_schedule, rows):
        today = now.astimezone(business_zone(tx, schedule.merchant_id)).date()
        due = date.fromisoformat(schedule.next_on or today.isoformat())
        if due > today:
            waiting += 1
            continue
        until = date.fromisoformat(schedule.until_on) if schedule.until_on else None
        next_on: date | None = due
        while next_on is not None and next_on <= today:
            made += _occurrence(tx, seal, schedule, next_on, worker, now)
            next_on = following(next_on, schedule.day_of_month) if schedule.repeat == "monthly" else None
            if next_on is not None and until is not None and next_on > until:
                next_on = None
        tx.run("UPDATE corp_schedules SET next_on = ?, status = ? WHERE id = ?",
               (next_on.isoformat() if next_on else None, "active" if next_on else "done", schedule.id))
    return made, waiting, len(rows)


def _occurrence(tx: Tx, seal: AccountSeal, schedule: Schedule, due: date, worker: str, now: datetime) -> int:
    """One occurrence: its row, a one-row approved batch (a standing order approved when it was set up) and the
    payout, under the occurrence's idempotency key. 0 when the date was made already."""
    key = f"sched:{schedule.id}:{due}"
    if tx.one("SELECT 1 FROM corp_occurrences WHERE idem_key = ?", (key,)):
        return 0
    sealed = tx.one("SELECT account_sealed FROM corp_schedules WHERE id = ?", (schedule.id,))
    assert sealed is not None
    account = seal.open(sealed[0], schedule.id)
    batch_id, payout_id = f"SB{uuid.uuid4().hex[:20].upper()}", f"SP{uuid.uuid4().hex[:20].upper()}"
    tx.run("INSERT INTO corp_batches (id, merchant_id, status, file_name, file_sm3, rail, rows_total, totals, errors, "
           "approvals_needed, submitted_by, submitted_at, decided_at, reason) "
           "VALUES (?, ?, 'approved', ?, ?, 'bank', 1, ?, '[]', 1, ?, ?, ?, ?)",
           (batch_id, schedule.merchant_id, f"schedule {schedule.id} {due}", sm3(key.encode()).hex(),
            json.dumps({schedule.currency: to_major(schedule.amount, schedule.currency)}), schedule.created_by,
            iso(now), schedule.decided_at, f"scheduled payment {schedule.id}"))
    tx.run("INSERT INTO corp_approvals (batch_id, approver, decision, at) VALUES (?, ?, 'approve', ?)",
           (batch_id, schedule.decided_by, schedule.decided_at))  # who approved the standing order, and when
    tx.run("INSERT INTO corp_payouts (id, merchant_id, batch_id, row_no, payee_name, account_masked, account_sealed, "
           "dup_key, bank_code, amount, currency, reference, pay_on, rail, status, idem_key, created_at) "
           "VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'bank', 'due', ?, ?)",
           (payout_id, schedule.merchant_id, batch_id, schedule.payee_name, schedule.account_masked,
            seal.seal(account, payout_id), seal.dup_key(schedule.merchant_id, schedule.payee_name, account,
                                                         schedule.amount, schedule.currency, schedule.reference),
            schedule.bank_code, schedule.amount, schedule.currency, schedule.reference, due.isoformat(), key,
            iso(now)))
    tx.run("INSERT INTO corp_occurrences (schedule_id, due_on, idem_key, payout_id, status, run_by, created_at) "
           "VALUES (?, ?, ?, ?, 'due', ?, ?)", (schedule.id, due.isoformat(), key, payout_id, worker, iso(now)))
    return 1


def pay_next(tx: Tx, worker: str, now: datetime, skip_locked: str) -> str | None:
    """Claim one due occurrence and pay it in this transaction; returns its idempotency key (None: nothing more
    this round)."""
    row = tx.one("SELECT schedule_id, due_on, idem_key, payout_id FROM corp_occurrences WHERE status = 'due' "
                 f"ORDER BY due_on, idem_key LIMIT 1{skip_locked}")
    if row is None:
        return None
    schedule_id, due_on, key, payout_id = row
    result = execute.pay_in(tx, payout_id, now)
    if result.status not in ("paid", "failed"):  # not payable yet (never expected: made on the merchant's day)
        log.warning(json.dumps({"event": "scheduled_payment_waits", "key": key, "payout": result.status}))
        return None
    tx.run("UPDATE corp_occurrences SET status = ?, reason = ?, run_by = ?, done_at = ? "
           "WHERE schedule_id = ? AND due_on = ? AND status = 'due'", (result.status, result.reason, worker,
                                                                      iso(now), schedule_id, due_on))
    log.info(json.dumps({"event": "scheduled_payment", "key": key, "status": result.status, "worker": worker}))
    return key


# --- the scheduler thread ---------------------------------------------------------------------------------------


class Scheduler:
    """Materialises and pays due occurrences every `check_s` in a daemon thread (started with the hub); `tick()`
    runs one round (tests, `edgepos hub schedule run`)."""

    def __init__(self, store: Store, check_s: float = CHECK_EVERY_S, clock: Clock | None = None,
                 secret: bytes | None = None, worker: str | None = None) -> None:
        self.store, self.check_s = store, check_s
        self.clock = clock or store.clock or utc_now
        self.seal = AccountSeal(secret if secret is not None else secret_from_env())
        self.worker = worker or f"hub-{os.getpid()}-{uuid.uuid4().hex[:4]}"
        self.skip_locked = " FOR UPDATE SKIP LOCKED" if store.backend.dialect == "postgresql" else ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> dict[str, int]:
        """One round: make due occurrences, pay them one per transaction, and sweep the enterprise wallets above
        their caps."""
        now = self.clock()
        made = waiting = 0
        while True:
            batch, later, seen = self.store.read(lambda tx, o=waiting: materialise(
                tx, self.seal, self.worker, now, self.skip_locked, o))  # what waits stays: the offset skips it
            made, waiting = made + batch, waiting + later
            if seen < BATCH:
                break
        ran = 0
        while self.store.read(lambda tx: pay_next(tx, self.worker, now, self.skip_locked)):
            ran += 1
        self.store.read(lambda tx: sweep_all(tx, now))
        return {"materialised": made, "ran": ran}

    def start(self) -> Scheduler:
        def loop() -> None:
            while not self._stop.is_set():
                try:
                    self.tick()
                except HubError as exc:
                    log.warning(json.dumps({"event": "scheduler_failed", "detail": exc.message}))
                except Exception as exc:  # a bug or a dropped connection: log it, keep the schedule alive
                    log.error(json.dumps({"event": "scheduler_failed", "error": type(exc).__name__,
                                          "detail": str(exc)[:300]}))
                self._stop.wait(self.check_s)

        self._thread = threading.Thread(target=loop, name="corp-scheduler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

