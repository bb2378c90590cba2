"""The uplink against the real hub (`edgepos hub` in a subprocess, on SQLite and on PostgreSQL) over real loopback
HTTP: drain exactly once, a faulty network, the hub SIGKILLed mid-drain, hub down then up, the terminal SIGKILLed
mid-round, an offline sale the hub declines, downstream pulls, online authorisation within its budget, and the
`edgepos sync` command's exit codes and JSON.

"Exactly once" is checked on the hub's side: its record count and chain head for the terminal, and its settlement
totals (count and money) against the sales in the journal.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import select
import signal
import sqlite3
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hub_process import ADMIN_TOKEN, KEY_SECRET, MERCHANT, free_port, local_hub, sell

from hub.postgres_backend import reachable, scratch_schema
from hub.process import HubProcess, edgepos_command
from sync.hub_client import HubClient
from sync.journal import Journal, utc_now
from sync.keystore import FileKeyStore
from sync.protocol import AuthRequest
from sync.state import SyncState, state_path_for
from sync.uplink import EXCEPTION_TYPE, Uplink
from sync.verify import verify_journal


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def hub(request, tmp_path_factory):
    """One hub per backend, shared by the module's tests: the same scenarios must hold on both stores."""
    directory = tmp_path_factory.mktemp(f"hub-{request.param}")
    if request.param == "sqlite":
        with local_hub(directory / "hub.db") as running:
            yield running
        return
    if not reachable() and not os.environ.get("CI"):
        pytest.skip("no PostgreSQL on 127.0.0.1:5432 (CI runs it)")
    with scratch_schema(prefix="uplink_test") as dsn, local_hub(directory / "hub.db", dsn=dsn) as running:
        yield running


@dataclass
class Terminal:
    """One terminal's files (a fresh terminal id per test, so tests can share one hub)."""

    dir: Path
    keystore: FileKeyStore
    journal: Journal
    state: SyncState

    @property
    def id(self) -> str:
        return self.keystore.terminal_id

    def client(self, url: str, *, clock=utc_now, timeout: float | None = None) -> HubClient:
        return HubClient(self.keystore, url, clock=clock, **({"timeout": timeout} if timeout is not None else {}))

    @contextlib.contextmanager
    def uplink(self, url: str, *, clock=utc_now, timeout: float | None = None, **options) -> Iterator[Uplink]:
        """The sync worker over its own hub client (closed after it, as the till's bootstrap does)."""
        with self.client(url, clock=clock, timeout=timeout) as client, \
                Uplink(self.journal, client, state=self.state, clock=clock, **options) as link:
            yield link


@pytest.fixture
def terminal(tmp_path):
    keystore = FileKeyStore.create(tmp_path / "keys.json", KEY_SECRET, f"T-{uuid.uuid4().hex[:10]}")
    journal = Journal.create(tmp_path / "journal.db", keystore)
    state = SyncState.open(state_path_for(journal.path))
    yield Terminal(tmp_path, keystore, journal, state)
    state.close()
    journal.close()


def enrolled(terminal: Terminal, hub: HubProcess) -> Terminal:
    with terminal.uplink(hub.url) as link:
        link.enrol(MERCHANT, hub.enrol_code(MERCHANT).encode())
    return terminal


def assert_hub_holds_each_sale_once(hub: HubProcess, terminal: Terminal) -> None:
    """The hub's copy equals the journal: same head, every record once, settlement = the sales, to the cent."""
    records = list(terminal.journal.records())
    sales = [r for r in records if r.type == "sale.completed"]
    held = hub.admin("GET", f"/v1/admin/terminals/{terminal.id}")
    assert held["last_seq"] == len(records) and held["last_hash"] == records[-1].hash.hex()
    assert sum(held["records"].values()) == len(records)
    days = Counter(r.time.date().isoformat() for r in sales)
    settled = [t for day in days for t in hub.admin("GET", "/v1/admin/settlement",
                                                    params={"day": day, "terminal": terminal.id})]
    booked = [r for r in sales if "token" not in r.payload["tenders"][0]]  # (declined sales move no money)
    assert sum(t["count"] for t in settled) == len(booked)
    assert sum(t["sales"] for t in settled) == sum(r.payload["totals"]["total"]["amount"] for r in booked)
    balance = hub.admin("GET", "/v1/admin/trial-balance")
    assert all(total == 0 for total in balance.get("totals", {}).values()), balance


def ack_results(terminal: Terminal) -> Counter[str]:
    """How the hub answered each acknowledged record (read straight from the journal file, for the test only)."""
    with sqlite3.connect(f"file:{terminal.journal.path}?mode=ro", uri=True) as conn:
        return Counter(dict(conn.execute("SELECT result, count(*) FROM acks GROUP BY result").fetchall()))


# --- drain ----------------------------------------------------------------------------------------------------------


def test_drain_of_a_few_hundred_sales_exactly_once_and_again_is_a_no_op(hub, terminal):
    enrolled(terminal, hub)
    sell(terminal.journal, 300)
    with terminal.uplink(hub.url, batch_size=128) as link:
        report = link.sync_once(pull=True)
        assert (report.sent, report.acknowledged, report.pending, report.errors) == (300, 300, 0, [])
        assert terminal.journal.outbox() == [] and abs(report.skew_ms) < 5000
        again = link.sync_once(pull=True)
        assert (again.sent, again.acknowledged, again.ok) == (0, 0, True)
        status = link.status()
    assert status.pending == 0 and status.enrolled and status.last_hub_seq == 300 and status.last_error is None
    assert_hub_holds_each_sale_once(hub, terminal)


def test_background_thread_drains_and_calls_the_after_round_hook(hub, terminal):
    """The app's sync thread: a poke sends new records at once; after each good round the hook runs (the till
    releases abandoned holds there); a failing hook does not stop the thread."""
    enrolled(terminal, hub)
    rounds: list = []

    def hook(report) -> None:
        rounds.append(report)
        if len(rounds) == 1:
            raise RuntimeError("the hook fails once")

    with terminal.uplink(hub.url, after_round=hook, idle_s=0.05, backoff_base_s=0.05) as link:
        link.start()
        sell(terminal.journal, 20)
        link.poke()
        deadline = time.monotonic() + 20
        while (terminal.journal.outbox() or len(rounds) < 2) and time.monotonic() < deadline:
            time.sleep(0.05)
        link.stop()
    assert terminal.journal.outbox() == [] and len(rounds) >= 2 and all(r.ok for r in rounds)
    assert_hub_holds_each_sale_once(hub, terminal)


def test_upload_answered_but_not_acknowledged_is_resent_and_counted_once(hub, terminal, monkeypatch):
    """A crash between the hub's answer and the journal's ack. The same batch again carries the same idempotency
    key and gets the first answer replayed; a different batch over the same records is answered `duplicate`."""
    enrolled(terminal, hub)
    sell(terminal.journal, 40)
    with terminal.uplink(hub.url) as link:
        for extra in (0, 1):  # 0: retry of the identical batch; 1: a new sale joins the batch
            sell(terminal.journal, extra, start=100)
            monkeypatch.setattr(terminal.journal, "acknowledge", _raise_crash)
            with pytest.raises(_Crash):
                link.sync_once(pull=False)
            monkeypatch.undo()
            assert len(terminal.journal.outbox()) == 40 + extra
        assert link.sync_once(pull=False).acknowledged == 41
    assert ack_results(terminal) == {"duplicate": 40, "accepted": 1}
    assert_hub_holds_each_sale_once(hub, terminal)


class _Crash(BaseException):
    pass


def _raise_crash(*_args, **_kwargs):
    raise _Crash


# --- hub down, then up ------------------------------------------------------------------------------------------------


def test_hub_down_keeps_records_queued_then_drains_when_it_is_back(tmp_path, terminal):
    hub = local_hub(tmp_path / "own-hub.db").start()
    try:
        enrolled(terminal, hub)
        sell(terminal.journal, 60)
        hub.stop()
        with terminal.uplink(hub.url) as link:
            down = link.sync_once(pull=True)
            assert down.unreachable and down.pending == 60 and down.acknowledged == 0
            assert "unreachable (connection refused)" in down.errors[0]
            authorised = link.client.authorise(_auth_request(), budget_s=0.5)
            assert authorised.decision == "unavailable"
            assert link.status().last_error == down.errors[0]
            hub.start()
            up = link.sync_once(pull=True)
        assert up.ok and up.acknowledged == 60 and up.pending == 0
        assert_hub_holds_each_sale_once(hub, terminal)
    finally:
        hub.stop()


# --- a bad network: drops, delays, replays, connections cut mid-body --------------------------------------------------


def test_drain_through_a_faulty_network_is_exactly_once(hub, terminal):
    from faultproxy import Fault, FaultProxy, random_policy  # tests/faultproxy.py: TEST-ONLY loopback proxy

    enrolled(terminal, hub)
    sell(terminal.journal, 300)
    weights = {Fault.PASS: 5, Fault.DROP: 1, Fault.DELAY: 1, Fault.DUPLICATE: 1, Fault.CUT_REQUEST: 1,
               Fault.CUT_RESPONSE: 1}
    with FaultProxy(int(hub.url.rsplit(":", 1)[1]), random_policy(7, weights), delay=0.05) as proxy, \
            terminal.uplink(proxy.url, batch_size=10, timeout=2.0) as link:
        rounds = 0
        while True:
            rounds += 1
            report = link.sync_once(pull=True)
            if report.ok and report.pending == 0:
                break
            assert rounds < 200 and not report.alarm, report.errors
    assert set(proxy.seen) == set(weights), proxy.seen  # every kind of fault happened
    assert terminal.journal.outbox() == []
    assert_hub_holds_each_sale_once(hub, terminal)


def test_hub_killed_mid_drain_and_restarted_counts_every_record_once(hub, terminal):
    """SIGKILL the hub while the uplink is uploading, three times; restart it on the same port and store. Batches
    the hub committed before dying are answered `duplicate` on retry, the rest `accepted`: each record once."""
    enrolled(terminal, hub)
    sell(terminal.journal, 600)
    interrupted = 0
    with terminal.uplink(hub.url, batch_size=50, timeout=5.0) as link:
        for delay in (0.05, 0.15, 0.3):
            killer = threading.Timer(delay, hub.kill)
            killer.start()
            report = link.sync_once(pull=False)
            killer.join()
            assert not report.alarm, report.errors
            interrupted += report.pending > 0
            hub.start()
        while (report := link.sync_once(pull=True)).pending:
            assert report.ok, report.errors
    assert interrupted >= 1, "no kill landed while records were still queued"
    assert report.ok and terminal.journal.outbox() == []
    assert sum(ack_results(terminal).values()) == 600
    assert_hub_holds_each_sale_once(hub, terminal)


def test_terminal_clock_far_off_is_corrected_for_requests_and_reported(hub, terminal):
    enrolled(terminal, hub)
    sell(terminal.journal, 3)
    with terminal.uplink(hub.url, clock=lambda: datetime.now(UTC) - timedelta(minutes=20)) as link:
        report = link.sync_once(pull=True)
        assert report.ok and report.acknowledged == 3, report.errors
        assert abs(report.skew_ms - 20 * 60 * 1000) < 5000  # what the technician sees: the clock is 20 min slow
        assert abs(link.status().skew_ms - 20 * 60 * 1000) < 5000


def test_hub_restored_from_an_older_backup_gets_the_missing_records_again(tmp_path, terminal):
    """The hub lost records the terminal holds as acknowledged: it answers `gap`, the uplink re-sends from the
    hub's last record, and the hub ends with every record once."""
    hub = local_hub(tmp_path / "hub.db").start()
    try:
        enrolled(terminal, hub)
        sell(terminal.journal, 20)
        with terminal.uplink(hub.url) as link:
            assert link.sync_once(pull=False).acknowledged == 20
        hub.stop()
        backup = {path.name: path.read_bytes() for path in tmp_path.glob("hub.db*")}
        hub.start()
        sell(terminal.journal, 10, start=20)
        with terminal.uplink(hub.url) as link:
            assert link.sync_once(pull=False).acknowledged == 10
        hub.stop()
        for path in tmp_path.glob("hub.db*"):
            path.unlink()
        for name, data in backup.items():
            (tmp_path / name).write_bytes(data)
        hub.start()
        assert hub.admin("GET", f"/v1/admin/terminals/{terminal.id}")["last_seq"] == 20
        sell(terminal.journal, 5, start=30)
        with terminal.uplink(hub.url) as link:
            report = link.sync_once(pull=False)
        assert report.ok and report.acknowledged == 5 and report.sent >= 15, report
        assert_hub_holds_each_sale_once(hub, terminal)
    finally:
        hub.stop()


# --- terminal SIGKILLed mid-round -------------------------------------------------------------------------------------


KILLS, SALES_PER_KILL = 10, 100


def _sync_until_killed(terminal: Terminal, url: str, ready_fd: int) -> None:
    """The child: sync rounds in small batches, forever (the parent kills it); says when the first round starts."""
    try:
        with Journal.open(terminal.journal.path, terminal.keystore) as journal, \
                SyncState.open(state_path_for(journal.path)) as state, \
                HubClient(terminal.keystore, url) as client, \
                Uplink(journal, client, state=state, batch_size=10) as link:
            os.write(ready_fd, b"r")
            while True:
                link.sync_once(pull=True)
    finally:
        os._exit(0)


@pytest.mark.slow
def test_terminal_killed_mid_round_then_restarted_counts_every_record_once(hub, terminal):
    enrolled(terminal, hub)
    rng = random.Random(11)
    cut_short = 0  # kills that stopped a round after some but not all of its batches
    for round_no in range(KILLS):
        sell(terminal.journal, SALES_PER_KILL, start=round_no * 1000)
        before = terminal.journal.outbox_stats()[0]
        ready_r, ready_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            _sync_until_killed(terminal, hub.url, ready_w)
        os.close(ready_w)
        assert select.select([ready_r], [], [], 10)[0], "the child did not start"
        os.close(ready_r)
        time.sleep(rng.uniform(0, 0.06))  # a round of 100 records in batches of 10 takes ~50-100 ms here
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status), f"kill {round_no}: the child stopped on its own"
        cut_short += 0 < terminal.journal.outbox_stats()[0] < before
    assert cut_short >= 3, cut_short  # most kills land mid-round (9 of 10 here)

    with terminal.uplink(hub.url) as link:  # restarted
        report = link.sync_once(pull=True)
    assert report.ok and report.pending == 0, report.errors
    assert verify_journal(terminal.journal.path, terminal.keystore.public_key()).ok
    assert sum(ack_results(terminal).values()) == SALES_PER_KILL * KILLS
    assert_hub_holds_each_sale_once(hub, terminal)


# --- an offline approval the hub declines ---------------------------------------------------------------------------


def test_declined_offline_sale_becomes_one_exception_record(hub, terminal):
    enrolled(terminal, hub)
    token = f"tk_{uuid.uuid4().hex}"
    hub.admin("POST", "/v1/admin/blacklist", json={"add": [token]})
    sell(terminal.journal, 2)
    (stolen,) = sell(terminal.journal, 1, start=2, token=token)  # approved offline: the terminal had no blacklist
    sell(terminal.journal, 2, start=3)
    with terminal.uplink(hub.url) as link:
        report = link.sync_once(pull=True)
        assert report.ok and report.declined == 1 and report.acknowledged == 6 and report.pending == 0
        assert terminal.state.is_blacklisted(token)  # pulled in the same round: the next offline sale is refused
        for _ in range(2):
            assert link.sync_once(pull=True).declined == 0
    exceptions = [r for r in terminal.journal.records() if r.type == EXCEPTION_TYPE]
    assert len(exceptions) == 1
    raised = exceptions[0].payload
    assert (raised["declined_seq"], raised["sale_id"], raised["code"]) == (3, stolen.payload["sale_id"], "blacklisted")
    assert raised["total"] == stolen.payload["totals"]["total"] and raised["message"]
    assert token not in raised["message"]
    held = hub.admin("GET", f"/v1/admin/terminals/{terminal.id}")
    assert held["records"] == {"accepted": 5, "declined": 1}  # the exception record reached the hub too
    assert_hub_holds_each_sale_once(hub, terminal)


def test_refund_of_money_never_taken_is_declined_into_one_exception_record(hub, terminal):
    """Issue 11: a refund naming no booked sale (or more than the sale took) moves no money at the hub; the till
    learns it as a decline and raises its manager's exception record, with the refund's total."""
    enrolled(terminal, hub)
    (sold,) = sell(terminal.journal, 1)  # a card sale of 1000 + 0
    cny = lambda amount: {"amount": amount, "currency": "CNY"}  # noqa: E731
    card = {"kind": "card_contactless", "reference": sold.payload["tenders"][0]["reference"]}
    ghost = terminal.journal.append("refund.completed", {
        "refund_id": "R-GHOST-001", "sale_id": "S-NEVER-SOLD", "currency": "CNY", "total": cny(10**12),
        "tenders": [{"kind": "card_contact", "amount": cny(10**12)}]})
    greedy = terminal.journal.append("refund.completed", {
        "refund_id": "R-GREEDY-01", "sale_id": sold.payload["sale_id"], "currency": "CNY", "total": cny(5000),
        "tenders": [{**card, "amount": cny(5000)}]})
    with terminal.uplink(hub.url) as link:
        report = link.sync_once(pull=False)
        assert report.ok and report.declined == 2
    raised = {r.payload["declined_seq"]: r.payload for r in terminal.journal.records() if r.type == EXCEPTION_TYPE}
    assert raised[ghost.seq]["code"] == "unknown_sale" and raised[ghost.seq]["total"] == cny(10**12)
    assert raised[greedy.seq]["code"] == "refund_exceeds_sale" and raised[greedy.seq]["refund_id"] == "R-GREEDY-01"
    (total,) = hub.admin("GET", "/v1/admin/settlement", params={"day": sold.time.date().isoformat(),
                                                               "terminal": terminal.id})
    assert (total["sales"], total["refunds"]) == (1000, 0)


def test_decline_answer_lost_in_a_crash_still_raises_one_exception_record(hub, terminal, monkeypatch):
    """The hub declines a sale, the terminal dies before noting it, and a new sale joins the next batch (another
    idempotency key, so no replayed answer): the re-send is a duplicate that still says `declined`."""
    enrolled(terminal, hub)
    token = f"tk_{uuid.uuid4().hex}"
    hub.admin("POST", "/v1/admin/blacklist", json={"add": [token]})
    sell(terminal.journal, 1)
    (stolen,) = sell(terminal.journal, 1, start=1, token=token)
    with terminal.uplink(hub.url) as link:
        monkeypatch.setattr(terminal.state, "note_decline", _raise_crash)
        with pytest.raises(_Crash):
            link.sync_once(pull=False)
        monkeypatch.undo()
        assert len(terminal.journal.outbox()) == 2
        sell(terminal.journal, 1, start=2)
        report = link.sync_once(pull=False)
        assert report.ok and report.pending == 0 and len(report.exceptions) == 1
        assert link.sync_once(pull=False).exceptions == []
    exceptions = [r for r in terminal.journal.records() if r.type == EXCEPTION_TYPE]
    assert [(e.payload["declined_seq"], e.payload["code"]) for e in exceptions] == [(stolen.seq, "blacklisted")]
    assert terminal.state.declines()[0].exception_seq == exceptions[0].seq


# --- downstream -------------------------------------------------------------------------------------------------------


def test_downstream_pulls_are_applied_whole_delta_and_full(hub, terminal):
    enrolled(terminal, hub)
    tokens = [f"tk_{uuid.uuid4().hex}" for _ in range(3)]
    hub.admin("PUT", "/v1/admin/config", json={"values": {"floor_limit": 30000, "offline": True}})
    hub.admin("PUT", "/v1/admin/config", json={"terminal_id": terminal.id, "values": {"profile": "kiosk"}})
    hub.admin("POST", "/v1/admin/blacklist", json={"add": tokens[:2]})
    hub.admin("PUT", "/v1/admin/rates", json={"base": "CNY", "as_of": "2025-11-25T08:00:00+00:00",
                                              "rates": {"USD": "0.14084507042253521", "EUR": "0.1213"}})
    hub.admin("PUT", "/v1/admin/model", json={"version": "risk-2025.11.2", "sha256": "cd" * 32,
                                              "url": "/v1/model/file"})
    with terminal.uplink(hub.url) as link:
        first = link.sync_once(pull=True)
        assert first.ok, first.errors
        version, held = terminal.state.blacklist()
        assert set(tokens[:2]) <= held and version == first.pulled["blacklist"]
        config_version, values = terminal.state.config()
        assert values["floor_limit"] == 30000 and values["profile"] == "kiosk" and config_version >= 2
        assert terminal.state.rate("USD") == Decimal("0.14084507042253521")
        assert isinstance(terminal.state.rates().rates["EUR"], Decimal)
        assert terminal.state.model().version == "risk-2025.11.2"

        hub.admin("POST", "/v1/admin/blacklist", json={"add": [tokens[2]], "remove": [tokens[0]]})
        second = link.sync_once(pull=True)
        assert second.ok and second.pulled["blacklist"] == version + 1
        held = terminal.state.blacklist()[1]
        assert tokens[2] in held and tokens[1] in held and tokens[0] not in held

        terminal.state.update(blacklist_version=10**9)  # a version the hub never issued: it answers the full list
        assert link.sync_once(pull=True).ok
        assert terminal.state.blacklist() == (version + 1, held)


# --- online authorisation ---------------------------------------------------------------------------------------------


def _auth_request(n: int | None = None, token: str = "tk_0123456789abcdef", amount: int = 1250) -> AuthRequest:
    n = n if n is not None else random.randrange(10**8)
    return AuthRequest.model_validate_json(json.dumps({
        "auth_id": f"auth-{n:08d}-{uuid.uuid4().hex[:8]}", "sale_id": f"sale-{n:08d}", "tender": "card_contactless",
        "amount": {"amount": amount, "currency": "CNY"}, "token": token, "last4": "4242"}))


def test_authorise_within_budget_idempotent_retry_capture_and_decline(hub, terminal):
    enrolled(terminal, hub)
    with terminal.client(hub.url) as client:
        request = _auth_request(1)
        outcome = client.authorise(request, budget_s=2.0)
        assert outcome.approved and outcome.elapsed_ms < 2000 and outcome.response.status == "approved"
        retry = client.authorise(request, budget_s=2.0)  # same auth_id and key: the same hold, not a second one
        assert retry.approved and retry.response == outcome.response
        captured = client.capture(request.auth_id, request.amount)
        assert captured.status == "captured" and captured.captured.amount == 1250
        assert client.capture(request.auth_id, request.amount) == captured  # a retried capture posts nothing more

        refund_amount = request.amount.model_copy(update={"amount": 250})
        refunded = client.refund(f"refund-{request.auth_id}", request.auth_id, refund_amount, "damaged item")
        assert refunded.refunded.amount == 250
        assert client.refund(f"refund-{request.auth_id}", request.auth_id, refund_amount, "damaged item") == refunded

        other = _auth_request(3)
        assert client.authorise(other, budget_s=2.0).approved
        assert client.void(other.auth_id, "customer walked away").status == "voided"

        token = f"tk_{uuid.uuid4().hex}"
        hub.admin("POST", "/v1/admin/blacklist", json={"add": [token]})
        declined = client.authorise(_auth_request(2, token=token), budget_s=2.0)
        assert declined.decision == "declined" and declined.reason

        timings = []
        for n in range(30):
            timings.append(client.authorise(_auth_request(100 + n), budget_s=1.0).elapsed_ms)
        assert sorted(timings)[-2] < 1000  # comfortably within the budget on loopback


# --- the command line -------------------------------------------------------------------------------------------------


def run_sync(terminal: Terminal, *args: str, hub_url: str | None = None, secret: bytes = KEY_SECRET,
             stdin: str = "", **env: str):
    import subprocess

    environment = {**os.environ, "EDGEPOS_KEY_SECRET": secret.decode(), "EDGEPOS_JOURNAL": str(terminal.journal.path),
                   "EDGEPOS_KEYS": str(terminal.keystore.path), **env}
    environment.pop("EDGEPOS_HUB", None)
    environment.pop("EDGEPOS_ENROL_CODE", None)
    environment.update(env)
    if hub_url:
        environment["EDGEPOS_HUB"] = hub_url
    return subprocess.run([*edgepos_command(), "sync", *args], capture_output=True, text=True, env=environment,
                          timeout=60, input=stdin)


def test_cli_enrol_sync_status_and_exit_codes(hub, terminal):
    sell(terminal.journal, 25)
    status = run_sync(terminal, "--status", "--json")
    assert status.returncode == 0, status.stderr
    shown = json.loads(status.stdout)
    assert shown["pending"] == 25 and shown["enrolled"] is False and shown["round"] is None

    unknown = run_sync(terminal, hub_url=hub.url)
    assert unknown.returncode == 1 and "not enrolled" in unknown.stdout + unknown.stderr
    refused = run_sync(terminal, "enrol", "--merchant", MERCHANT, hub_url=hub.url, EDGEPOS_ENROL_CODE="wrong-one")
    assert refused.returncode == 1 and "refused the enrolment" in refused.stderr and "Traceback" not in refused.stderr
    other = run_sync(terminal, "enrol", "--merchant", MERCHANT, hub_url=hub.url,
                     EDGEPOS_ENROL_CODE=hub.enrol_code("M-OTHER"))  # a code of another merchant enrols nothing
    assert other.returncode == 1 and "another merchant" in other.stderr
    code = hub.enrol_code(MERCHANT)
    enrol = run_sync(terminal, "enrol", "--merchant", MERCHANT, "--json", hub_url=hub.url, stdin=code + "\n")
    assert enrol.returncode == 0 and json.loads(enrol.stdout)["merchant_id"] == MERCHANT
    assert code not in enrol.stdout + enrol.stderr

    down = run_sync(terminal, "--json", hub_url=f"http://127.0.0.1:{free_port()}")
    assert down.returncode == 4
    queued = json.loads(down.stdout)
    assert queued["pending"] == 25 and queued["ok"] is False and "unreachable" in queued["last_error"]

    synced = run_sync(terminal, "--json", "--hub", hub.url)
    assert synced.returncode == 0, synced.stdout + synced.stderr
    drained = json.loads(synced.stdout)
    assert drained["pending"] == 0 and drained["last_error"] is None and drained["last_success_at"]
    assert (drained["round"]["sent"], drained["round"]["acknowledged"]) == (25, 25)
    text = run_sync(terminal, hub_url=hub.url)
    assert text.returncode == 0 and "queue: 0 pending" in text.stdout and "this round: sent 0" in text.stdout

    wrong_secret = run_sync(terminal, "--status", secret=b"not the secret")
    assert wrong_secret.returncode == 1 and "wrong key store secret" in wrong_secret.stderr
    missing = run_sync(terminal, "--status", EDGEPOS_JOURNAL=str(terminal.dir / "nope.db"))
    assert missing.returncode == 1 and "no journal here" in missing.stderr and "Traceback" not in missing.stderr
    assert ADMIN_TOKEN not in synced.stdout + synced.stderr


def test_cli_enrol_with_a_failing_state_file_says_so_without_a_traceback(hub, terminal, monkeypatch, capsys):
    import argparse

    from sync import cli
    from sync.state import StateError, SyncState

    def broken(self, **values):
        raise StateError(f"{self.path}: sync state write failed (disk I/O error); nothing was changed")

    monkeypatch.setattr(SyncState, "update", broken)
    monkeypatch.setenv("EDGEPOS_KEY_SECRET", KEY_SECRET.decode())
    monkeypatch.setenv("EDGEPOS_ENROL_CODE", hub.enrol_code(MERCHANT))
    args = argparse.Namespace(db=str(terminal.journal.path), keys=str(terminal.keystore.path), hub=hub.url,
                              json=True, merchant=MERCHANT)
    assert cli.cmd_enrol(args) == 1
    assert "sync state write failed" in json.loads(capsys.readouterr().out)["error"]


def test_cli_exit_3_when_the_hub_rejects_records_as_conflicting(hub, terminal):
    """A terminal restored onto another journal (same key, different records): the hub's copy conflicts."""
    enrolled(terminal, hub)
    sell(terminal.journal, 5)
    assert run_sync(terminal, hub_url=hub.url).returncode == 0
    other = Journal.create(terminal.dir / "other.db", terminal.keystore)
    sell(other, 3, start=500)
    other.close()
    result = run_sync(terminal, "--json", hub_url=hub.url, EDGEPOS_JOURNAL=str(terminal.dir / "other.db"))
    assert result.returncode == 3, result.stdout + result.stderr
    alarm = json.loads(result.stdout)
    assert alarm["pending"] == 3 and "record 1" in alarm["alarm"] and alarm["round"]["acknowledged"] == 0
    status = run_sync(terminal, "--status", EDGEPOS_JOURNAL=str(terminal.dir / "other.db"))
    assert status.returncode == 0 and "ALARM: hub rejected record 1" in status.stdout


def test_status_times_are_utc(hub, terminal):
    enrolled(terminal, hub)
    with terminal.uplink(hub.url) as link:
        link.sync_once()
        status = link.status()
    assert datetime.fromisoformat(status.last_success_at).utcoffset() == UTC.utcoffset(None)


def test_two_processes_syncing_one_journal_raise_one_exception_record(hub, terminal):
    """Issue 10: the app's sync thread and `edgepos sync` run rounds on the same journal; each saw the decline and
    each raised the manager's exception record. A second opening of the same files stands in for the second
    process (flock locks conflict between separate opens, as between processes)."""
    enrolled(terminal, hub)
    token = f"tk_{uuid.uuid4().hex}"
    hub.admin("POST", "/v1/admin/blacklist", json={"add": [token]})
    sell(terminal.journal, 1, token=token)  # approved offline; the hub declines it
    other_journal = Journal.open(terminal.journal.path, terminal.keystore)
    other_state = SyncState.open(state_path_for(terminal.journal.path))
    stack = contextlib.ExitStack()
    first = stack.enter_context(terminal.uplink(hub.url))
    second = stack.enter_context(Uplink(other_journal, stack.enter_context(terminal.client(hub.url)),
                                        state=other_state))
    real_append = terminal.journal.append
    racing: list[threading.Thread] = []

    def slow_append(record_type, payload, sensitive=None):
        if record_type == EXCEPTION_TYPE and not racing:  # the first round is about to raise the exception
            racing.append(threading.Thread(target=second.sync_once, kwargs={"pull": False}))
            racing[0].start()
            time.sleep(0.5)  # the other round would see the decline noted but not yet raised
        return real_append(record_type, payload, sensitive)

    terminal.journal.append = slow_append
    try:
        assert first.sync_once(pull=False).declined == 1
        racing[0].join(10)
    finally:
        del terminal.journal.append
        stack.close(), other_state.close(), other_journal.close()
    exceptions = [r for r in terminal.journal.records() if r.type == EXCEPTION_TYPE]
    assert len(exceptions) == 1
