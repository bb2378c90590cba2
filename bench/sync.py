"""Store-and-forward end to end: drain queued sales from a terminal to a real hub process over loopback HTTP.

Per backend (SQLite file, PostgreSQL scratch schema): a terminal journals `count` realistic sales offline (not
timed), enrols, then its uplink drains the outbox (timed) to an `edgepos hub` child process. The hub's own
counts then say what was lost or duplicated: every sale must be held once and settled once, to the cent. Then
`auth_calls` online authorisations give the round-trip p50/p99, and the store-level ingest benchmark
(bench/hub_ingest.py) gives postings per second.
"""

from __future__ import annotations

import random
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from bench.hub_ingest import run as hub_ingest
from bench.journal import sale_record
from bench.stats import percentile
from hub.process import HubProcess
from sync.hub_client import HubClient
from sync.journal import Journal
from sync.keystore import FileKeyStore, random_secret
from sync.protocol import AuthRequest, PositiveAmount, TenderKind
from sync.state import SyncState, state_path_for
from sync.uplink import Uplink

Backend = Literal["sqlite", "postgresql"]
ADMIN_TOKEN = uuid.uuid4().hex


def run(count: int = 10_000, auth_calls: int = 500, backends: tuple[Backend, ...] = ("sqlite", "postgresql"),
        dsn: str | None = None) -> dict[str, Any]:
    """One result object per backend; a backend that cannot run (no PostgreSQL server) reports its error."""
    results: dict[str, Any] = {}
    for backend in backends:
        try:
            results[backend] = _run_backend(backend, count, auth_calls, dsn)
        except Exception as exc:  # a benchmark reports what stopped it, then goes on with the other backend
            results[backend] = {"error": f"{type(exc).__name__}: {exc}"}
    return results


def _run_backend(backend: Backend, count: int, auth_calls: int, dsn: str | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="edgepos-bench-sync-") as tmp, _hub(backend, Path(tmp), dsn) as hub:
        keystore = FileKeyStore.create(Path(tmp) / "keys.json", random_secret(), f"BENCH-{uuid.uuid4().hex[:8]}")
        rng = random.Random(11)
        expected_total = 0
        with Journal.create(Path(tmp) / "journal.db", keystore) as journal:
            for _ in range(count):
                payload, sensitive = sale_record(rng, keystore.terminal_id)
                journal.append("sale.completed", payload, sensitive)
                expected_total += payload["totals"]["total"]["amount"]
            state = SyncState.open(state_path_for(journal.path))
            with HubClient(keystore, hub.url) as client, \
                    Uplink(journal, client, state=state, batch_size=1000) as uplink:
                uplink.enrol("M-BENCH", hub.enrol_code("M-BENCH").encode())
                started = time.perf_counter()
                rounds = 0
                while journal.outbox_stats()[0] and rounds < 100:
                    report = uplink.sync_once(pull=False)
                    rounds += 1
                    if report.errors:
                        raise RuntimeError(f"sync round failed: {report.errors[0]}")
                drain_seconds = time.perf_counter() - started
                auth_ms = _authorisations(client, auth_calls)
            state.close()
            pending = journal.outbox_stats()[0]
        held = hub.admin("GET", f"/v1/admin/terminals/{keystore.terminal_id}")
        day_totals = _settled(hub, keystore.terminal_id)
        held_records = sum(held["records"].values())
        settled_count = sum(t["count"] for t in day_totals)
        ingest = hub_ingest(backend, count, dsn=dsn)
        return {
            "sales": count,
            "drain_seconds": round(drain_seconds, 3),
            "drain_rounds": rounds,
            "records_per_second": round(count / drain_seconds),
            "pending_after": pending,
            "lost": max(0, count - held_records) + max(0, count - settled_count),
            "duplicated": max(0, held_records - count) + max(0, settled_count - count),
            "settled_amount_matches": sum(t["sales"] for t in day_totals) == expected_total,
            "balanced": hub.admin("GET", "/v1/admin/trial-balance")["balanced"],
            "postings_per_second": ingest["postings_per_second"],
            "postings_per_second_verified": ingest["postings_per_second_verified"],
            "auth_calls": auth_calls,
            "auth_p50_ms": percentile(auth_ms, 0.5, 2),
            "auth_p99_ms": percentile(auth_ms, 0.99, 2),
        }


@contextmanager
def _hub(backend: Backend, tmp: Path, dsn: str | None) -> Iterator[HubProcess]:
    if backend == "postgresql":
        from hub.postgres_backend import LOCAL_DSN, scratch_schema

        with scratch_schema(dsn or LOCAL_DSN, "hub_bench") as schema_dsn, HubProcess(
            dsn=schema_dsn, admin_token=ADMIN_TOKEN, log=tmp / "hub.log"
        ) as hub:
            yield hub
        return
    with HubProcess(db=tmp / "hub.db", admin_token=ADMIN_TOKEN,
                    log=tmp / "hub.log") as hub:
        yield hub


def _authorisations(client: HubClient, calls: int) -> list[float]:
    """Round trips of online authorisations (each places a real hold on the hub), sorted, in ms."""
    elapsed = []
    for i in range(calls):
        amount = PositiveAmount(amount=1000 + i, currency="CNY")
        request = AuthRequest(auth_id=f"bench-auth-{uuid.uuid4().hex}", sale_id=f"bench-sale-{i:06d}",
                              tender=TenderKind.CARD_CONTACTLESS, amount=amount, token=f"tk_{i:040x}", last4="4242")
        started = time.perf_counter()
        outcome = client.authorise(request, budget_s=5.0)
        elapsed.append((time.perf_counter() - started) * 1000)
        if not outcome.approved:
            raise RuntimeError(f"authorisation {i} was {outcome.decision}: {outcome.reason}")
    return sorted(elapsed)


def _settled(hub: HubProcess, terminal_id: str) -> list[dict[str, Any]]:
    from datetime import UTC, datetime, timedelta

    today = datetime.now(UTC).date()
    days = {today - timedelta(days=1), today}  # a run that crosses midnight UTC settles on two days
    return [t for day in sorted(days) for t in hub.admin("GET", "/v1/admin/settlement",
                                                         params={"day": day.isoformat(), "terminal": terminal_id})]
