"""Scheduled corporate payments: one-off or monthly, run on their date by a scheduler that every hub process starts,
exactly once across restarts and across several hub processes on one database.

Two steps, each one transaction:
1. *Materialise*: schedules whose next date has come are claimed (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so two
   hubs take different rows; SQLite has one writer) and each due date becomes an occurrence row keyed by (schedule,
   date) with its idempotency key `sched:<id>:<date>`; the schedule's next date moves on in the same transaction.
2. *Pay*: one due occurrence is claimed the same way and paid in the same transaction that marks it paid (or refused
   with the reason: a stale FX rate, an unknown currency). A hub killed anywhere leaves either nothing or all of it.

Monthly dates keep the day asked for: the 31st is paid on the last day of shorter months (28 or 29 February, 30
April) and on the 31st again in the months that have one. A hub that was down pays each missed date once.
"""

from __future__ import annotations

import calendar
import json
import logging
import os
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from hub.backend import Tx
from hub.cbdc import ledger as L
from hub.clock import Clock, iso, utc_now
from hub.corporate import aml, fx
from hub.corporate.settings import TreasuryConfig, default_config
from hub.corporate.wallet import sweep_all
from hub.errors import HubError, NotFound
from hub.store import Store
from sync.protocol import ISO_4217

log = logging.getLogger("edgepos.hub")
Repeat = Literal["once", "monthly"]
MAX_AHEAD = timedelta(days=366)
CHECK_EVERY_S = 60.0
BATCH = 100
PAYOUT_CLEARING = "corp:payouts"  # what the merchant owes its payees' banks until the transfer clears


@dataclass(frozen=True, slots=True)
class Schedule:
    id: str
    merchant_id: str
    payee_name: str
    account: str
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


@dataclass(frozen=True, slots=True)
class Occurrence:
    schedule_id: str
    due_on: str
    idem_key: str
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


def add_schedule(tx: Tx, *, merchant_id: str, payee_name: str, account: str, bank_code: str, amount: int,
                 currency: str, reference: str, first_on: date, repeat: Repeat, until_on: date | None, actor: str,
                 now: datetime) -> Schedule:
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
    tx.run("INSERT INTO corp_schedules (id, merchant_id, payee_name, account, bank_code, amount, currency, reference, "
           "repeat, day_of_month, next_on, until_on, status, created_by, created_at) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?)",
           (ident, merchant_id, payee_name.strip()[:200], account.strip()[:64], bank_code.strip()[:32], amount,
            currency, reference.strip()[:140], repeat, first_on.day, first_on.isoformat(),
            until_on.isoformat() if until_on else None, actor, iso(now)))
    return load_schedule(tx, merchant_id, ident)


_SCHEDULE = ("SELECT id, merchant_id, payee_name, account, bank_code, amount, currency, reference, repeat, "
             "day_of_month, next_on, until_on, status, created_by, created_at FROM corp_schedules ")


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


def cancel(tx: Tx, merchant_id: str, schedule_id: str) -> Schedule:
    """No further occurrences (ones already due are paid)."""
    load_schedule(tx, merchant_id, schedule_id)
    tx.run("UPDATE corp_schedules SET status = 'cancelled', next_on = NULL WHERE id = ? AND status = 'active'",
           (schedule_id,))
    return load_schedule(tx, merchant_id, schedule_id)


def occurrences(tx: Tx, schedule_id: str) -> list[Occurrence]:
    rows = tx.all("SELECT schedule_id, due_on, idem_key, status, reason, run_by, done_at FROM corp_occurrences "
                  "WHERE schedule_id = ? ORDER BY due_on", (schedule_id,))
    return [Occurrence(*r) for r in rows]


# --- the two steps ----------------------------------------------------------------------------------------------


def materialise(tx: Tx, today: date, worker: str, now: datetime, skip_locked: str) -> int:
    """Turn every schedule date up to `today` into an occurrence, once; returns how many were made."""
    rows = tx.all(_SCHEDULE + f"WHERE status = 'active' AND next_on <= ? ORDER BY next_on, id LIMIT {BATCH}"
                  f"{skip_locked}", (today.isoformat(),))
    made = 0
    for schedule in map(_schedule, rows):
        due = date.fromisoformat(schedule.next_on or today.isoformat())
        until = date.fromisoformat(schedule.until_on) if schedule.until_on else None
        next_on: date | None = due
        while next_on is not None and next_on <= today:
            made += tx.run("INSERT INTO corp_occurrences (schedule_id, due_on, idem_key, status, run_by, created_at) "
                           "VALUES (?, ?, ?, 'due', ?, ?) ON CONFLICT (schedule_id, due_on) DO NOTHING",
                           (schedule.id, next_on.isoformat(), f"sched:{schedule.id}:{next_on}", worker, iso(now)))
            next_on = following(next_on, schedule.day_of_month) if schedule.repeat == "monthly" else None
            if next_on is not None and until is not None and next_on > until:
                next_on = None
        tx.run("UPDATE corp_schedules SET next_on = ?, status = ? WHERE id = ?",
               (next_on.isoformat() if next_on else None, "active" if next_on else "done", schedule.id))
    return made


def pay_next(tx: Tx, worker: str, config: TreasuryConfig, now: datetime, skip_locked: str) -> str | None:
    """Claim one due occurrence and pay it in this transaction; returns its idempotency key (None: nothing due)."""
    row = tx.one("SELECT o.schedule_id, o.due_on, o.idem_key FROM corp_occurrences o WHERE o.status = 'due' "
                 f"ORDER BY o.due_on, o.idem_key LIMIT 1{skip_locked}")
    if row is None:
        return None
    schedule_id, due_on, key = row
    found = tx.one(_SCHEDULE + "WHERE id = ?", (schedule_id,))
    assert found is not None  # an occurrence's schedule (foreign key)
    schedule = _schedule(found)
    try:
        status, reason = "paid", pay_transfer(tx, schedule, key, config, now)
    except fx.FxRefused as no:
        status, reason = "refused", f"{no.code}: {no.message}"
    tx.run("UPDATE corp_occurrences SET status = ?, reason = ?, run_by = ?, done_at = ? "
           "WHERE schedule_id = ? AND due_on = ? AND status = 'due'",
           (status, reason, worker, iso(now), schedule_id, due_on))
    log.info(json.dumps({"event": "scheduled_payment", "key": key, "status": status, "worker": worker}))
    return key


def pay_transfer(tx: Tx, schedule: Schedule, key: str, config: TreasuryConfig, now: datetime) -> str | None:
    """The payment of one occurrence: FX check (refuses a stale rate), AML screen (alerts in this transaction), a
    bank transfer booked in the ledger from the merchant's bank account, under the occurrence's key."""
    quote = fx.quote(tx, schedule.amount, schedule.currency, config.home_currency, now, config.fx_max_age)
    aml.screen(tx, merchant_id=schedule.merchant_id, ref=key, payee_name=schedule.payee_name,
               account=schedule.account, amount=schedule.amount, currency=schedule.currency, config=config, now=now)
    if quote.from_currency != quote.to_currency:
        quote.record(tx, key, now)
    L.ensure_accounts(tx, [L.bank_account(schedule.merchant_id), PAYOUT_CLEARING], None, now)
    L.book(tx, L.movement("corp_payout", f"corp:{key}", debit=L.bank_account(schedule.merchant_id),
                          credit=PAYOUT_CLEARING, amount=quote.amount_to, currency=quote.to_currency, now=now,
                          merchant_id=schedule.merchant_id, ref=f"{schedule.reference} {schedule.account}"[:200]))
    return None if quote.from_currency == quote.to_currency else \
        f"{schedule.currency} at {quote.rate} {quote.to_currency} (rates v{quote.version} of {iso(quote.as_of)[:19]}Z)"


# --- the scheduler thread ---------------------------------------------------------------------------------------


class Scheduler:
    """Materialises and pays due occurrences every `check_s` in a daemon thread (started with the hub); `tick()`
    runs one round (tests, `edgepos hub schedule run`)."""

    def __init__(self, store: Store, check_s: float = CHECK_EVERY_S, clock: Clock | None = None,
                 config: TreasuryConfig | None = None, worker: str | None = None,
                 after_tick: Callable[[Store, datetime], Any] | None = None) -> None:
        self.store, self.check_s = store, check_s
        self.clock = clock or store.clock or utc_now
        self.config = config or default_config()
        self.worker = worker or f"hub-{os.getpid()}-{uuid.uuid4().hex[:4]}"
        self.after_tick = after_tick
        self.skip_locked = " FOR UPDATE SKIP LOCKED" if store.backend.dialect == "postgresql" else ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> dict[str, int]:
        now = self.clock()
        made = 0
        while True:
            batch = self.store.read(lambda tx: materialise(tx, now.date(), self.worker, now, self.skip_locked))
            made += batch
            if batch < BATCH:
                break
        paid = 0
        while self.store.read(lambda tx: pay_next(tx, self.worker, self.config, now, self.skip_locked)):
            paid += 1
        self.store.read(lambda tx: sweep_all(tx, now))
        if self.after_tick is not None:
            self.after_tick(self.store, now)
        return {"materialised": made, "ran": paid}

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

