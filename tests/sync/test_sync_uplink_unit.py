"""The sync worker (Uplink), its signed hub client (HubClient) and sync state without a hub process: wire form,
idempotency keys, backoff schedule, downstream state (atomic pulls, Decimal rates, a SIGKILL mid-apply), result
handling (declines raised once, chain alarms, gap recovery) and the online time budget against sockets that never
answer.

Where a hub answer is needed, `StandInHub` gives it: a TEST-ONLY, in-process stand-in (httpx.MockTransport) that
checks every request's signature with the real protocol code and scripts answers the real hub cannot be made to
give on demand (a conflict, a gap, a 503). Behaviour across the real network is tested against the real hub in
test_sync_uplink_hub.py.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import random
import signal
import socket
import threading
import time
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest
from hub_process import sale_payload, sell

from sync.chain import record_digest
from sync.hub_client import HubClient, batch_key, to_wire
from sync.journal import Journal
from sync.keystore import FileKeyStore
from sync.protocol import (
    H_SKEW,
    AuthRequest,
    BlacklistDelta,
    ConfigResponse,
    ModelResponse,
    RatesResponse,
    check_request,
)
from sync.state import StateError, SyncState, state_path_for
from sync.uplink import EXCEPTION_TYPE, Uplink, backoff_delay


class StandInHub:
    """TEST-ONLY stand-in for the hub's journal and downstream endpoints (not the real hub: see module doc)."""

    def __init__(self, public_key: bytes) -> None:
        self.public_key = public_key
        self.held: dict[int, str] = {}
        self.decline: set[int] = set()  # seqs answered `declined`
        self.reject: dict[int, str] = {}  # seq -> rejection code
        self.unavailable = 0  # answer the next N requests with 503
        self.requests: list[tuple[str, str, str]] = []  # (method, signed path, idempotency key)
        self.blacklist: dict[int, list[str]] = {1: ["tk_00000001"], 2: ["tk_00000001", "tk_00000002"]}

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode()
        headers = {k.decode(): v.decode() for k, v in request.headers.raw}
        skew = check_request(self.public_key, request.method, path, headers, request.content)
        self.requests.append((request.method, path, request.headers["Idempotency-Key"]))
        headers = {H_SKEW: str(skew)}
        if self.unavailable:
            self.unavailable -= 1
            return httpx.Response(503, json={"code": "store_unavailable", "message": "busy"}, headers=headers)
        route = request.url.path
        if route == "/v1/journal":
            return httpx.Response(200, json=self.upload(json.loads(request.content)["records"]), headers=headers)
        if route == "/v1/blacklist":
            since = int(request.url.params["since"])
            latest = max(self.blacklist)
            body = BlacklistDelta(version=latest, since=since, full=since == 0,
                                  added=sorted(set(self.blacklist[latest]) - set(self.blacklist.get(since, []))),
                                  removed=sorted(set(self.blacklist.get(since, [])) - set(self.blacklist[latest])))
        elif route == "/v1/config":
            body = ConfigResponse(version=3, values={"profile": "retail", "floor_limit": 50000, "offline": True})
        elif route == "/v1/rates":
            body = RatesResponse(version=7, base="CNY", as_of=datetime(2025, 11, 25, tzinfo=UTC),
                                 rates={"USD": "0.140845", "EUR": "0.1213"})
        elif route == "/v1/model":
            body = ModelResponse(version="risk-2025.11.1", sha256="ab" * 32, url="/v1/model/file")
        else:
            return httpx.Response(404, json={"code": "not_found", "message": "no such endpoint"}, headers=headers)
        return httpx.Response(200, content=body.model_dump_json(), headers=headers)

    def upload(self, records: list[dict]) -> dict:
        results = []
        for record in records:
            seq = record["seq"]
            if seq in self.reject:
                results.append({"seq": seq, "status": "rejected", "code": self.reject[seq],
                                "message": f"record {seq} does not fit the chain the hub holds"})
                break
            if seq in self.held:
                results.append({"seq": seq, "status": "duplicate"})
                continue
            self.held[seq] = record["hash"]
            results.append({"seq": seq, "status": "declined" if seq in self.decline else "accepted",
                            **({"code": "blacklisted", "message": "card is blacklisted"} if seq in self.decline
                               else {})})
        return {"results": results, "last_seq": max(self.held, default=0), "last_hash": ""}


@pytest.fixture
def state(journal):
    with SyncState.open(state_path_for(journal.path)) as held:
        yield held


@pytest.fixture
def standin(keystore):
    return StandInHub(keystore.public_key())


@contextlib.contextmanager
def linked(journal, keystore, state, url: str = "http://hub.test", *, transport=None, timeout=None, **options):
    """An Uplink over its own HubClient (closed after it, as the till's bootstrap does)."""
    client_options = {"transport": transport, **({"timeout": timeout} if timeout is not None else {})}
    with HubClient(keystore, url, **client_options) as client, Uplink(journal, client, state=state,
                                                                      **options) as link:
        yield link


@pytest.fixture
def uplink(journal, keystore, state, standin):
    with linked(journal, keystore, state, transport=standin.transport(), batch_size=50) as link:
        yield link


# --- wire form and keys -------------------------------------------------------------------------------------------


def test_wire_record_is_the_stored_record_byte_for_byte(journal):
    record = journal.append("sale.completed", {**sale_payload(1), "note": "Grüner Tee 绿茶"}, {"last4": "4242"})
    wire = to_wire(record)
    assert wire.payload.encode() == record.payload_raw
    assert base64.b64decode(wire.secret) == record.secret
    assert (wire.prev_hash, wire.hash, wire.signature) == (record.prev_hash.hex(), record.hash.hex(),
                                                           record.signature.hex())
    assert wire.time == record.time_text
    # what the hub recomputes from the wire form is the signed digest
    back = json.loads(type(wire).model_validate_json(wire.model_dump_json()).model_dump_json())
    assert record_digest(back["terminal_id"].encode(), back["seq"], back["time"].encode(), back["type"].encode(),
                         back["payload"].encode(), base64.b64decode(back["secret"]),
                         bytes.fromhex(back["prev_hash"])) == record.hash


def test_batch_key_is_stable_for_the_same_records_and_differs_otherwise(journal):
    records = sell(journal, 4)
    key = batch_key("T-0001", records[:3])
    assert key == batch_key("T-0001", journal.outbox(3))
    assert key.startswith("upload:1-3:") and len(key) <= 128
    assert key != batch_key("T-0001", records[:2])
    assert key != batch_key("T-0002", records[:3])


# --- backoff --------------------------------------------------------------------------------------------------------


def test_backoff_grows_exponentially_is_fully_jittered_and_capped():
    rng = random.Random(5)
    samples = {attempt: [backoff_delay(attempt, 0.5, 60.0, rng) for _ in range(400)] for attempt in range(12)}
    for attempt, values in samples.items():
        ceiling = min(60.0, 0.5 * 2**attempt)
        assert all(0 <= v <= ceiling for v in values)
        assert max(values) > 0.9 * ceiling  # the whole range is used: full jitter
        assert min(values) < 0.1 * ceiling
        assert len(set(values)) == len(values)  # jittered: no two terminals wait alike
    means = [sum(v) / len(v) for v in samples.values()]
    assert all(later > earlier * 1.5 for earlier, later in itertools.pairwise(means[:8]))  # doubling until the cap
    assert max(samples[11]) <= 60.0 and backoff_delay(10_000, 0.5, 60.0, rng) <= 60.0


# --- downstream state -----------------------------------------------------------------------------------------------


def test_blacklist_delta_and_full_replacement(state):
    assert state.blacklist() == (0, frozenset())
    state.apply_blacklist(BlacklistDelta(version=1, since=0, full=True, added=["tk_00000001", "tk_00000002"],
                                         removed=[]))
    state.apply_blacklist(BlacklistDelta(version=2, since=1, full=False, added=["tk_00000003"],
                                         removed=["tk_00000001"]))
    assert state.blacklist() == (2, frozenset({"tk_00000002", "tk_00000003"}))
    assert state.is_blacklisted("tk_00000003") and not state.is_blacklisted("tk_00000001")
    with pytest.raises(StateError, match="starts at version 1"):  # a delta from another base changes nothing
        state.apply_blacklist(BlacklistDelta(version=3, since=1, full=False, added=["tk_00000009"], removed=[]))
    assert state.blacklist() == (2, frozenset({"tk_00000002", "tk_00000003"}))
    state.apply_blacklist(BlacklistDelta(version=9, since=0, full=True, added=["tk_0000000a"], removed=[]))
    assert state.blacklist() == (9, frozenset({"tk_0000000a"}))


def test_rates_are_decimal_exactly_as_published_and_config_is_replaced_whole(state):
    state.apply_rates(RatesResponse(version=4, base="CNY", as_of=datetime(2025, 11, 25, tzinfo=UTC),
                                    rates={"USD": "0.1408450704225352112676", "JPY": "21"}))
    rates = state.rates()
    assert rates.rates["USD"] == Decimal("0.1408450704225352112676") and isinstance(rates.rates["JPY"], Decimal)
    assert state.rate("USD") * 100 == Decimal("14.08450704225352112676")
    assert state.rate("EUR") is None and rates.as_of.tzinfo is not None
    state.apply_config(ConfigResponse(version=1, values={"a": 1, "b": "x"}))
    state.apply_config(ConfigResponse(version=2, values={"b": "y", "c": None}))
    assert state.config() == (2, {"b": "y", "c": None})


def _apply_blacklists_forever(path, tokens: int) -> None:
    try:
        with SyncState.open(path) as state:
            for version in range(1, 1_000_000):
                state.apply_blacklist(BlacklistDelta(version=version, since=0, full=True, removed=[],
                                                     added=[f"tk_{version:04x}{i:08x}" for i in range(tokens)]))
    finally:
        os._exit(0)


def test_sigkill_while_applying_a_blacklist_never_leaves_half_of_one(tmp_path):
    path, tokens, rng = tmp_path / "s.state.db", 20_000, random.Random(3)
    for round_no in range(8):
        pid = os.fork()
        if pid == 0:
            _apply_blacklists_forever(path, tokens)
        time.sleep(0.15 + rng.uniform(0, 0.25))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        with SyncState.open(path) as state:
            version, held = state.blacklist()
        if version:  # whole: exactly the list of the version it claims
            assert len(held) == tokens and all(t.startswith(f"tk_{version:04x}") for t in held), round_no
        else:
            assert held == frozenset()


# --- result handling (stand-in hub) ---------------------------------------------------------------------------------


def test_round_forwards_in_batches_acknowledges_and_pulls(uplink, journal, state, standin):
    sell(journal, 120)
    report = uplink.sync_once(pull=True)
    assert (report.sent, report.acknowledged, report.pending, report.errors) == (120, 120, 0, [])
    uploads = [r for r in standin.requests if r[1] == "/v1/journal"]
    assert len(uploads) == 3 and len({key for *_, key in uploads}) == 3  # batches of 50, one key each
    assert report.pulled == {"config": 3, "blacklist": 2, "rates": 7, "model": "risk-2025.11.1"}
    assert ("GET", "/v1/blacklist?since=0", standin.requests[-3][2]) == standin.requests[-3]  # query is signed
    assert state.blacklist() == (2, frozenset({"tk_00000001", "tk_00000002"}))
    assert state.config()[1]["floor_limit"] == 50000 and state.model().sha256 == "ab" * 32
    again = uplink.sync_once(pull=False)
    assert (again.sent, again.acknowledged) == (0, 0)
    status = uplink.status()
    assert status.pending == 0 and status.last_error is None and status.last_success_at and status.skew_ms is not None


def test_declined_offline_sale_raises_one_exception_record_even_after_a_crash(uplink, journal, state, standin):
    sales = sell(journal, 5)
    standin.decline = {3}
    report = uplink.sync_once(pull=False)
    assert (report.declined, report.exceptions, report.acknowledged) == (1, [6], 6)  # the exception went up too
    exceptions = [r for r in journal.records() if r.type == EXCEPTION_TYPE]
    assert len(exceptions) == 1
    assert exceptions[0].payload == {"declined_seq": 3, "declined_type": "sale.completed", "code": "blacklisted",
                                     "message": "card is blacklisted", "sale_id": sales[2].payload["sale_id"],
                                     "total": {"amount": 1002, "currency": "CNY"}}
    assert state.declines()[0].exception_seq == exceptions[0].seq and journal.outbox() == []

    # a crash after the exception was appended but before it was noted as raised, and before the ack
    (declined,) = sell(journal, 1, start=7)
    standin.decline.add(declined.seq)
    state.note_decline(declined.seq, "blacklisted", "card is blacklisted")
    raised = journal.append(EXCEPTION_TYPE, {"declined_seq": declined.seq, "code": "blacklisted"})
    again = uplink.sync_once(pull=False)
    assert (again.declined, again.exceptions, again.acknowledged) == (1, [], 2)
    assert [r.payload["declined_seq"] for r in journal.records() if r.type == EXCEPTION_TYPE] == [3, declined.seq]
    assert {d.seq: d.exception_seq for d in state.declines()} == {3: 6, declined.seq: raised.seq}
    assert journal.outbox() == []


def test_conflict_is_an_alarm_records_stay_queued_and_a_clean_round_clears_it(uplink, journal, standin):
    sell(journal, 10)
    standin.reject = {4: "conflict"}
    report = uplink.sync_once(pull=False)
    assert report.alarm and "record 4 (conflict)" in report.alarm and not report.ok
    assert report.acknowledged == 3 and [r.seq for r in journal.outbox()][:1] == [4]
    status = uplink.status()
    assert status.alarm == report.alarm and status.pending == 7 and "record 4" in status.last_error
    assert len([r for r in standin.requests if r[1] == "/v1/journal"]) == 1  # no spinning on it
    standin.reject = {}
    assert uplink.sync_once(pull=False).ok and uplink.status().alarm is None and journal.outbox() == []


def test_gap_recovery_resends_what_the_hub_lost(uplink, journal, standin):
    sell(journal, 30)
    assert uplink.sync_once(pull=False).acknowledged == 30
    for seq in range(21, 31):  # the hub was restored from a backup holding records 1..20
        del standin.held[seq]
    sell(journal, 5)
    standin.reject = {31: "gap"}

    def fill_gap(records):  # the stand-in answers `gap` only while the hub lacks the records before 31
        if records[0]["seq"] <= 21:
            standin.reject = {}
        return StandInHub.upload(standin, records)

    standin.upload = fill_gap
    report = uplink.sync_once(pull=False)
    assert report.ok, report.errors
    assert sorted(standin.held) == list(range(1, 36)) and journal.outbox() == []


def test_503_is_retried_later_and_records_stay_queued(uplink, journal, standin):
    sell(journal, 3)
    standin.unavailable = 1
    report = uplink.sync_once(pull=False)
    assert report.unreachable and report.acknowledged == 0 and report.pending == 3
    assert "not available right now (503" in report.errors[0] and "records stay queued" in report.errors[0]
    assert uplink.sync_once(pull=False).acknowledged == 3


@pytest.mark.parametrize("skew", ["9" * 40, "12ms", ""])
def test_a_hostile_clock_skew_header_is_ignored_not_a_crash(journal, keystore, state, skew):
    """A hub (or something posing as one) answering clock_skew with a skew that is no sane number: the round
    reports the refusal, the records stay queued, no exception escapes and the clock correction stays 0."""
    sell(journal, 2)

    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"code": "clock_skew", "message": "clock is off"}, headers={H_SKEW: skew})

    with linked(journal, keystore, state, transport=httpx.MockTransport(refuse)) as link:
        report = link.sync_once(pull=False)
        assert report.refused and report.pending == 2 and report.skew_ms is None
        assert "clock is off" in report.errors[0]


def test_background_worker_backs_off_then_drains_and_wakes_on_poke(journal, keystore, state, standin):
    standin.unavailable = 4
    with linked(journal, keystore, state, transport=standin.transport(),
                backoff_base_s=0.02, backoff_cap_s=0.1, idle_s=30, pull_every_s=3600) as link:
        sell(journal, 5)
        link.start()
        _wait_until(lambda: not journal.outbox(), 5)
        failed = [r for r in standin.requests if r[1] == "/v1/journal"]
        assert len(failed) >= 5  # four 503s, then the upload that went through
        started = time.monotonic()
        sell(journal, 1)
        link.poke()  # the worker idles for 30 s unless poked
        _wait_until(lambda: not journal.outbox(), 5)
        assert time.monotonic() - started < 2
        link.stop()


def _wait_until(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


# --- online authorisation: the budget holds against hubs that do not answer --------------------------------------


@pytest.fixture
def silent_hub():
    """TEST-ONLY stand-in for a hung hub: a socket that accepts connections and never answers."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join(1)
    for conn in accepted:
        conn.close()
    server.close()


def _auth_request(n: int = 1) -> AuthRequest:
    return AuthRequest.model_validate_json(json.dumps({
        "auth_id": f"auth-{n:08d}", "sale_id": f"sale-{n:08d}", "tender": "card_contactless",
        "amount": {"amount": 1250, "currency": "CNY"}, "token": "tk_0123456789abcdef", "last4": "4242"}))


@pytest.mark.parametrize("hub", ["silent", "refused"])
def test_authorise_is_unavailable_within_the_budget(hub, keystore, silent_hub):
    url = silent_hub if hub == "silent" else f"http://127.0.0.1:{_closed_port()}"
    with HubClient(keystore, url) as client:
        started = time.monotonic()
        outcome = client.authorise(_auth_request(), budget_s=0.3)
        elapsed = time.monotonic() - started
    assert outcome.decision == "unavailable" and not outcome.approved and outcome.auth_id == "auth-00000001"
    assert elapsed < 0.3 + 0.25, elapsed  # the budget, plus scheduling slack on a loaded machine
    assert outcome.reason


def test_sync_round_against_a_silent_hub_times_out_and_keeps_records(journal, keystore, state, silent_hub):
    sell(journal, 2)
    with linked(journal, keystore, state, silent_hub, timeout=0.3) as link:
        report = link.sync_once()
        assert report.unreachable and report.pending == 2 and "did not answer in time" in report.errors[0]
        assert link.status().last_error == report.errors[0]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when we return: connections are refused


def test_an_uplink_refuses_a_hub_client_of_another_terminal(tmp_path, journal, state):
    """The worker uploads this journal with the client's signature: another terminal's key would sign it wrongly."""
    other = FileKeyStore.create(tmp_path / "other-keys.json", b"another secret for the test", "T-0002")
    with HubClient(other, "http://hub.test") as client, pytest.raises(ValueError, match="T-0002"):
        Uplink(journal, client, state=state)


def test_status_without_a_hub(journal, state):
    sell(journal, 3)
    from sync.uplink import sync_status

    status = sync_status(journal, state, datetime.now(UTC))
    assert status.pending == 3 and status.oldest_pending_age_s >= 0 and not status.enrolled
    assert status.last_success_at is None and status.alarm is None


def test_state_file_refuses_a_foreign_sqlite_file(tmp_path, keystore):
    Journal.create(tmp_path / "j.db", keystore).close()
    with pytest.raises(StateError, match="not an edgepos sync state file"):
        SyncState.open(tmp_path / "j.db")
