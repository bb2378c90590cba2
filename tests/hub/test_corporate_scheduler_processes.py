"""Scheduled payments run by several real hub processes (`edgepos hub`, as an operator starts them) on one
PostgreSQL database: every occurrence is paid exactly once although two hubs race for them and one is SIGKILLed
mid-run (the other pays what it had claimed, once)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hubkit import ADMIN_TOKEN, PG_ADMIN_DSN, pg_available, unique

from hub.corporate import scheduler
from hub.corporate.sealing import AccountSeal
from hub.downstream import RatesUpdate
from hub.postgres_backend import scratch_schema
from hub.process import HubProcess
from hub.store import Store

SCHEDULES = 200


@pytest.fixture
def dsn() -> Iterator[str]:
    if not pg_available():
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    with scratch_schema(PG_ADMIN_DSN, "hub_sched") as where:
        yield where


def counts(store: Store, merchant: str) -> tuple[int, int, int, set[str]]:
    def read(tx):
        due = tx.one("SELECT count(*) FROM corp_occurrences o JOIN corp_schedules s ON s.id = o.schedule_id "
                     "WHERE s.merchant_id = ? AND o.status = 'due'", (merchant,))[0]
        paid = tx.all("SELECT o.run_by FROM corp_occurrences o JOIN corp_schedules s ON s.id = o.schedule_id "
                      "WHERE s.merchant_id = ? AND o.status = 'paid'", (merchant,))
        transfers = tx.one("SELECT count(*) FROM transfers WHERE kind = 'corp_payout' AND merchant_id = ?",
                           (merchant,))[0]
        return int(due), len(paid), int(transfers), {r[0] for r in paid}
    return store.view(read)


def test_two_hub_processes_pay_each_occurrence_once_through_a_kill(dsn: str, tmp_path: Path) -> None:
    store = Store.open(dsn=dsn)
    merchant = unique("M")
    now = store.clock()
    store.put_rates(RatesUpdate(base="CNY", as_of=now, rates={"USD": "0.1400"}))

    seal = AccountSeal(ADMIN_TOKEN.encode())  # the hubs' sealing secret: their admin token

    def add_all(tx):
        for n in range(SCHEDULES):
            scheduler.add_schedule(tx, seal, merchant_id=merchant, payee_name=f"Supplier {n}",
                                   account=f"62220000{n:011d}",
                                   bank_code="ICBKCNBJ", amount=100_00 + n, currency="CNY", reference=f"inv {n}",
                                   first_on=now.date(), repeat="monthly", until_on=None, actor="fin", now=now)
        for schedule in scheduler.schedules(tx, merchant):
            scheduler.decide(tx, merchant, schedule.id, True, "admin", now)
    hubs = [HubProcess(dsn=dsn, admin_token=ADMIN_TOKEN, log=tmp_path / f"hub{i}.log",
                       extra_args=("--scheduler-every", "0.05")) for i in range(2)]
    try:
        for hub in hubs:
            hub.start()
        store.read(add_all)  # all due at once, while both hubs poll
        started = time.monotonic()
        deadline = started + 40
        while counts(store, merchant)[1] < SCHEDULES // 4 and time.monotonic() < deadline:
            time.sleep(0.02)
        hubs[0].kill()  # SIGKILL mid-run: whatever it had claimed rolls back and the other hub pays it, once
        while counts(store, merchant)[1] < SCHEDULES and time.monotonic() < deadline:
            time.sleep(0.1)
        elapsed = time.monotonic() - started
        time.sleep(0.5)  # more rounds of both schedulers: nothing is paid again
        due, paid, transfers, workers = counts(store, merchant)
    finally:
        for hub in hubs:
            hub.stop()
    assert (due, paid, transfers) == (0, SCHEDULES, SCHEDULES)
    assert workers  # which hubs paid (both, usually; the log of a run names them)
    total = store.view(lambda tx: tx.one(
        "SELECT sum(p.amount) FROM postings p JOIN transfers t ON t.id = p.transfer_id WHERE t.kind = 'corp_payout' "
        "AND t.merchant_id = ? AND p.amount > 0", (merchant,))[0])
    assert int(total) == sum(100_00 + n for n in range(SCHEDULES))
    nexts = store.view(lambda tx: {s.next_on for s in scheduler.schedules(tx, merchant)})
    assert nexts == {scheduler.following(now.date(), now.day).isoformat()}
    store.close()
    print(f"{SCHEDULES} occurrences paid in {elapsed:.1f} s by {len(workers)} hub processes: {sorted(workers)}")
