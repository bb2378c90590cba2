"""Several hub processes over one PostgreSQL database (issue 18): `edgepos hub --workers N` and separate hub
processes book every record exactly once whatever process each retry reaches, a worker SIGKILLed mid-batch under
load loses and duplicates nothing, readiness follows the database, state a worker keeps is shared, and the SQLite
hub refuses to run several processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hubkit import ADMIN_TOKEN, Terminal, pg_available, pg_schema, sale, tender, upload_body

from hub.process import HubProcess, edgepos_command

pytestmark = pytest.mark.skipif(not pg_available() and not os.environ.get("CI"),
                                reason="no PostgreSQL on 127.0.0.1:5432 (CI runs it)")
ADMIN = {"authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def dsn() -> Iterator[str]:
    with pg_schema() as where:
        yield where


def hub_on(dsn: str, tmp_path: Path, *args: str) -> HubProcess:
    return HubProcess(dsn=dsn, admin_token=ADMIN_TOKEN, log=tmp_path / f"hub-{len(list(tmp_path.iterdir()))}.log",
                      extra_args=args).start()


def enrolled(hub: HubProcess, tmp_path: Path) -> Terminal:
    term = Terminal.create(tmp_path)
    body, headers = term.signed("POST", "/v1/enrol", term.enrol_body(hub.enrol_code(term.merchant_id)))
    assert httpx.post(f"{hub.url}/v1/enrol", content=body, headers=headers, timeout=30).status_code == 200
    return term


def upload_until_taken(url: str, term: Terminal, body: bytes, key: str, deadline_s: float = 40.0) -> dict:
    """What an uplink does with one batch: send it under its key until an answer comes (busy, dropped
    connections and killed workers are retried after the hub's Retry-After, shortened for the test)."""
    stop = time.monotonic() + deadline_s
    while True:
        try:
            _, headers = term.signed("POST", "/v1/journal", body, key)
            answer = httpx.post(f"{url}/v1/journal", content=body, headers=headers, timeout=10)
            if answer.status_code == 200:
                return answer.json()
            assert answer.status_code in (409, 429, 503), answer.text
            assert answer.status_code == 409 or "retry-after" in answer.headers
        except httpx.TransportError:
            pass
        assert time.monotonic() < stop, "the hub never took the batch"
        time.sleep(0.05)


def assert_booked_once(url: str, term: Terminal, records: list, amounts: list[int]) -> None:
    status = httpx.get(f"{url}/v1/admin/terminals/{term.id}", headers=ADMIN, timeout=30).json()
    assert status["last_seq"] == len(records) and status["records"] == {"accepted": len(records)}
    day = records[0].time[:10]
    totals = httpx.get(f"{url}/v1/admin/settlement", params={"day": day, "terminal": term.id}, headers=ADMIN,
                       timeout=30).json()
    assert sum(t["count"] for t in totals) == len(records) and sum(t["sales"] for t in totals) == sum(amounts)
    assert httpx.get(f"{url}/v1/admin/trial-balance", headers=ADMIN, timeout=30).json()["balanced"] is True


def test_the_sqlite_hub_refuses_workers(tmp_path: Path) -> None:
    env = {**os.environ, "EDGEPOS_HUB_ADMIN_TOKEN": ADMIN_TOKEN}
    done = subprocess.run([*edgepos_command(), "hub", "--db", str(tmp_path / "h.db"), "--port", "0", "--workers", "2"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "one process" in done.stderr and "--dsn" in done.stderr


def test_concurrent_retries_of_one_terminal_through_two_hubs_book_each_record_once(dsn: str, tmp_path: Path) -> None:
    """Three processes (a hub with two workers and a second hub) share one database; four senders push the same
    batches of one terminal at once, each through its own connections, some under the same keys, some under new
    ones (a till that restarted): each record is booked once, money to the cent."""
    pair = hub_on(dsn, tmp_path, "--workers", "2")
    other = hub_on(dsn, tmp_path)
    try:
        assert len(pair.worker_pids()) == 2
        term = enrolled(pair, tmp_path)
        amounts = [100 + i % 13 for i in range(300)]
        records = [term.append("sale.completed", sale([tender("cash", a)])) for a in amounts]
        batches = [upload_body(records[i:i + 100]) for i in range(0, 300, 100)]
        answers: list[tuple[str, dict]] = []

        def sender(n: int) -> None:
            url = (pair.url, other.url)[n % 2]
            for i, body in enumerate(batches):
                key = f"upload-batch-{i}" if n < 2 else f"restarted-{n}-{i}"
                answers.append((key, upload_until_taken(url, term, body, key)))

        threads = [threading.Thread(target=sender, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(answers) == 12
        first: dict[str, dict] = {}
        for key, answer in answers:
            assert {r["status"] for r in answer["results"]} <= {"accepted", "duplicate"}
            assert first.setdefault(key, answer) == answer, "a retry under one key gets the first answer again"
        accepted = [r["seq"] for a in first.values() for r in a["results"] if r["status"] == "accepted"]
        assert sorted(accepted) == list(range(1, 301)), "every record accepted by exactly one request"
        assert_booked_once(other.url, term, records, amounts)
        served = {json.loads(line).get("worker") for line in Path(pair.log).read_text().splitlines()
                  if '"path": "/v1/journal"' in line}
        assert served & {0, 1}, "the workers served the uploads"
    finally:
        assert pair.stop() == 0
        other.stop()


def test_a_worker_killed_mid_batch_under_load_loses_and_duplicates_nothing(dsn: str, tmp_path: Path) -> None:
    hub = hub_on(dsn, tmp_path, "--workers", "2")
    try:
        terms = [enrolled(hub, tmp_path) for _ in range(3)]
        plans = []
        for term in terms:
            amounts = [200 + i % 11 for i in range(450)]
            records = [term.append("sale.completed", sale([tender("cash", a)])) for a in amounts]
            plans.append((term, records, amounts, [upload_body(records[i:i + 150]) for i in range(0, 450, 150)]))

        def drain(term: Terminal, batches: list[bytes]) -> None:
            for i, body in enumerate(batches):
                upload_until_taken(hub.url, term, body, f"{term.id}-{i}")

        threads = [threading.Thread(target=drain, args=(p[0], p[3])) for p in plans]
        before = hub.worker_pids()
        for thread in threads:
            thread.start()
        time.sleep(0.4)
        os.kill(before[0], signal.SIGKILL)  # mid-batch: a power cut of one worker while the others go on
        for thread in threads:
            thread.join()
        for term, records, amounts, _ in plans:
            assert_booked_once(hub.url, term, records, amounts)
        deadline = time.monotonic() + 10
        while (len(hub.worker_pids()) != 2 or before[0] in hub.worker_pids()) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(hub.worker_pids()) == 2 and before[0] not in hub.worker_pids(), "the dead worker was replaced"
        assert '"event": "worker_died"' in Path(hub.log).read_text()
    finally:
        assert hub.stop() == 0


def test_readiness_follows_the_database_and_liveness_the_process(tmp_path: Path) -> None:
    from faultproxy import TcpCutter  # tests/faultproxy.py: TEST-ONLY

    from hub.postgres_backend import LOCAL_DSN

    with pg_schema() as dsn, TcpCutter(5432) as cutter:
        via_cutter = dsn.replace("port=5432", f"port={cutter.port}")
        assert via_cutter != dsn and LOCAL_DSN in dsn
        hub = hub_on(via_cutter, tmp_path, "--workers", "2")
        try:
            assert httpx.get(f"{hub.url}/v1/ready", timeout=10).json() == {"status": "ready"}
            cutter.cut()
            answers = _probe_until(hub.url, lambda r: r.status_code == 503)
            assert answers.json()["code"] == "not_ready"
            assert httpx.get(f"{hub.url}/v1/health", timeout=10).status_code == 200, "alive while the database is not"
            trial = httpx.get(f"{hub.url}/v1/admin/trial-balance", headers=ADMIN, timeout=10)
            assert trial.status_code == 503 and trial.headers["retry-after"]
            cutter.restore()
            _probe_until(hub.url, lambda r: r.status_code == 200)  # each worker reconnects when next asked: the
            # first requests after the link is back may still get 503 (fail fast, DOWN_S) while that connection is
            # made on a loaded machine, so the trial balance is asked until several in a row come back 200
            trial = _probe_until(hub.url, lambda r: r.status_code == 200, path="/v1/admin/trial-balance")
            assert trial.json()["balanced"] is True
        finally:
            assert hub.stop() == 0


def _probe_until(url: str, wanted, within_s: float = 60.0, path: str = "/v1/ready") -> httpx.Response:
    """A load balancer's probe loop: `path` on fresh connections (each may reach either worker) until `wanted`
    several times in a row; the deadline is generous (a loaded 2-core machine), the condition is what counts."""
    stop = time.monotonic() + within_s
    seen = 0
    while True:
        answer = httpx.get(f"{url}{path}", headers=ADMIN, timeout=10)
        seen = seen + 1 if wanted(answer) else 0
        if seen >= 4:  # several probes in a row: every worker agrees
            return answer
        assert time.monotonic() < stop, answer.text
        time.sleep(0.1)


def test_a_guesser_is_locked_out_by_every_worker(dsn: str, tmp_path: Path) -> None:
    """The throttle lives in the database: failures counted by one worker lock the client out of all of them."""
    hub = hub_on(dsn, tmp_path, "--workers", "2")
    try:
        codes = []
        for _ in range(14):
            with httpx.Client(base_url=hub.url, timeout=10) as fresh:  # a new connection: any worker
                codes.append(fresh.get("/v1/admin/trial-balance", headers={"authorization": "Bearer wrong"})
                             .status_code)
        assert codes == [401] * 11 + [429] * 3, codes
        with httpx.Client(base_url=hub.url, timeout=10) as fresh:  # even the right token, while locked out
            locked = fresh.get("/v1/admin/trial-balance", headers=ADMIN)
        assert locked.status_code == 429 and int(locked.headers["retry-after"]) >= 1
    finally:
        hub.stop()


def test_a_retirement_in_one_process_empties_the_identity_cache_of_the_others(dsn: str, tmp_path: Path) -> None:
    """Two stores on one database stand for two hub processes: what one forgets (a retired or rotated key, see
    hub.fleet), the other forgets too, without a request to it."""
    from hub.store import Store

    here, there = Store.open(dsn=dsn), Store.open(dsn=dsn)
    try:
        term = Terminal.create(tmp_path).enrol(here)
        deadline = time.monotonic() + 5
        while there.cached_identity(term.id) is None:  # the listener connects; then the identity is kept
            there.identity(term.id)
            assert time.monotonic() < deadline, "the other process never cached the identity"
            time.sleep(0.05)
        here.forget_identity(term.id)
        deadline = time.monotonic() + 5
        while there.cached_identity(term.id) is not None:
            assert time.monotonic() < deadline, "the other process kept a forgotten identity"
            time.sleep(0.02)
    finally:
        here.close()
        there.close()
