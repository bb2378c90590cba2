"""Supplier-batch benchmark: `edgepos bench batch [--rows N] [--kills K] [--backend sqlite|postgresql] [--json]`.

Writes an N-row .xlsx (Luhn-valid card numbers and IBANs, CNY and EUR, a tenth with a pay_on date as an Excel date)
and times the full check of it (`check_seconds`, openpyxl parsing included; target < 5 s for 10,000 rows;
`check_cpu_seconds` is the CPU time, which other work on the machine does not inflate). Then a
finance user submits it and an admin approves it straight on a fresh hub store, and a real `edgepos hub` process pays
it: the process is SIGKILLed K times at random moments while it pays and started again (a starting hub resumes the
batch) until every due row is paid. Reports `pay_seconds` (first start to the last row paid, restarts included),
`paid_once` (every approved row has exactly one ledger transfer, none has two), `lost` (approved rows not paid),
`duplicated` (ledger transfers beyond one per row), `failed` (rows a rail or screen refused, with their reason;
none expected: the bench publishes fresh FX rates) and `trial_balance` (balanced).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import random
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from stdnum import iban, luhn

ADMIN_TOKEN = "bench-batch-admin-token-0123456789abcdef"
PASSWORD = "bench batch password 0123"


def card(n: int) -> str:
    body = f"622848{n:012d}"
    return body + luhn.calc_check_digit(body)


def an_iban(n: int) -> str:
    bban = f"37040044{n:010d}"
    return f"DE{iban.calc_check_digits('DE00' + bban)}{bban}"


def workbook(rows: int, seed: int) -> bytes:
    from openpyxl import Workbook

    rng = random.Random(seed)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("payments")
    sheet.append(["payee_name", "account", "bank_code", "amount", "currency", "reference", "pay_on"])
    today = datetime.now(UTC).date()
    for i in range(rows):
        euro = i % 10 == 9
        pay_on = datetime.combine(today + timedelta(days=rng.randint(1, 30)), datetime.min.time()) \
            if i % 10 == 4 else None
        sheet.append([f"供应商 Supplier {i}", an_iban(i) if euro else card(i), "COBADEFFXXX" if euro else
                      "102100099996", f"{rng.randint(100, 5_000_000) / 100:.2f}", "EUR" if euro else "CNY",
                      f"INV-{i:06d}", pay_on])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@contextlib.contextmanager
def _where(backend: str, dsn: str | None, directory: Path) -> Iterator[dict[str, Any]]:
    if backend == "sqlite":
        yield {"db": directory / "hub.db"}
        return
    from hub.postgres_backend import LOCAL_DSN, scratch_schema

    with scratch_schema(dsn or LOCAL_DSN, "bench_batch") as scratch:
        yield {"dsn": scratch}


def run(rows: int = 10_000, kills: int = 3, backend: str = "sqlite", dsn: str | None = None,
        seed: int = 16) -> dict[str, Any]:
    from hub.backoffice.users import add_user
    from hub.corporate import batches
    from hub.corporate.batch_file import check
    from hub.corporate.limits import default_limits
    from hub.corporate.sealing import AccountSeal
    from hub.process import HubProcess
    from hub.store import Store

    data = workbook(rows, seed)
    started, cpu = time.perf_counter(), time.process_time()
    checked = check(data, "bench.xlsx", datetime.now(UTC).date(), default_limits())
    check_seconds, check_cpu = time.perf_counter() - started, time.process_time() - cpu
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="edgepos-bench-batch-") as tmp, \
            _where(backend, dsn, Path(tmp)) as where:
        store = Store.open(path=where.get("db"), dsn=where.get("dsn"))
        from hub.downstream import RatesUpdate

        store.put_rates(RatesUpdate(base="CNY", as_of=store.clock(), rates={"EUR": "0.1290", "USD": "0.1400"}))
        finance = add_user(store, "bench-finance", PASSWORD, "finance", "M-BENCH")
        admins = [add_user(store, f"bench-admin{n}", PASSWORD, "admin", "M-BENCH") for n in (1, 2)]
        batch, _ = batches.submit(store, finance, data, "bench.xlsx", AccountSeal(ADMIN_TOKEN.encode()),
                                  store.clock(), limits=default_limits())
        for admin in admins[:batch.approvals_needed]:  # a large total needs two different admins
            batches.approve(store, admin, batch.id, store.clock())
        due = store.view(lambda tx: tx.one("SELECT count(*) FROM corp_payouts WHERE batch_id = ? AND status = 'due'",
                                           (batch.id,)))[0]
        if not due:
            raise RuntimeError("the batch has no due row after approval")

        def paid(statuses: tuple[str, ...] = ("paid", "failed")) -> int:
            """Rows done: paid, or failed with a reason (e.g. a screen refused it)."""
            return store.view(lambda tx: tx.one("SELECT count(*) FROM corp_payouts WHERE batch_id = ? AND status IN "
                                                f"({', '.join('?' * len(statuses))})", (batch.id, *statuses)))[0]

        log = Path(tmp) / "hub.log"
        first = time.perf_counter()
        done_kills = 0
        for _ in range(kills):  # kill at a random moment while rows are being paid
            hub = HubProcess(**where, admin_token=ADMIN_TOKEN, log=log).start()
            before = paid()
            time.sleep(rng.uniform(0.05, 0.6))
            while paid() == before and time.perf_counter() - first < 120:
                time.sleep(0.01)
            hub.kill()
            done_kills += 1
            if paid() >= due:
                break
        killed_at = paid()
        hub = HubProcess(**where, admin_token=ADMIN_TOKEN, log=log).start()
        deadline = time.perf_counter() + 600
        while paid() < due and time.perf_counter() < deadline:
            time.sleep(0.05)
        pay_seconds = time.perf_counter() - first
        hub.stop()
        transfers = store.view(lambda tx: tx.one(
            "SELECT count(*), count(DISTINCT t.id) FROM transfers t JOIN corp_payouts p ON t.id = p.transfer_id "
            "WHERE p.batch_id = ?", (batch.id,)))
        booked = store.view(lambda tx: tx.one("SELECT count(*) FROM transfers WHERE merchant_id = 'M-BENCH' AND "
                                              "kind = 'corp_payout'"))[0]
        final_paid, failed = paid(("paid",)), paid(("failed",))
        balanced = store.trial_balance().balanced
        store.close()
    return {"rows": rows, "valid": len(checked.valid), "check_seconds": round(check_seconds, 3),
            "check_cpu_seconds": round(check_cpu, 3),
            "backend": backend, "due": int(due), "scheduled": rows - int(due), "kills": done_kills,
            "paid_before_last_start": int(killed_at), "pay_seconds": round(pay_seconds, 2),
            "paid": final_paid, "failed": failed,
            "paid_once": int(booked) == final_paid and transfers[0] == transfers[1] == final_paid,
            "lost": int(due) - final_paid - failed, "duplicated": int(booked) - final_paid, "trial_balance": balanced}


def register(bench: argparse._SubParsersAction) -> None:
    parser = bench.add_parser("batch", help="check a 10,000-row supplier batch file, then pay it through a hub "
                                            "killed at random: check_seconds, pay_seconds, paid_once, lost")
    parser.add_argument("--rows", type=int, default=10_000, help="rows in the file (default 10000)")
    parser.add_argument("--kills", type=int, default=3, help="random SIGKILLs of the paying hub (default 3)")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--dsn", help="PostgreSQL server to make a scratch schema on (default: local server)")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=cmd_bench_batch)


def cmd_bench_batch(args: argparse.Namespace) -> int:
    result = run(args.rows, args.kills, args.backend, args.dsn, args.seed)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{result['rows']} rows checked in {result['check_seconds']} s; {result['due']} due rows paid in "
              f"{result['pay_seconds']} s through {result['kills']} hub kills: paid once {result['paid_once']}, "
              f"lost {result['lost']}, duplicated {result['duplicated']}")
    return 0 if result["paid_once"] and result["lost"] == 0 else 1
