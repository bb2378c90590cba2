"""The terminal's uplink: forwards the journal's outbox to the hub exactly once, pulls downstream data, and asks the
hub for online authorisations within a time budget.

Exactly once rests on two facts: the hub counts a record once per (terminal, seq, hash) and answers a re-send
`duplicate`, and the terminal marks a record acknowledged only after the hub's per-record result. The uplink keeps
no state of its own beyond the journal's acks and the sync state file, so a crash at any point is resumed by simply
sending the outbox again. A hub decline of a record approved offline becomes an `exception.offline_declined`
record in the journal, raised once even across crashes (noted in the state file before it is raised).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import itertools
import logging
import os
import random
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ValidationError

from sync.crypto import sm3
from sync.journal import Journal, Record, utc_now
from sync.keystore import KeyStore
from sync.protocol import (
    API_PREFIX,
    H_SKEW,
    MAX_BATCH,
    MAX_BODY,
    AuthRequest,
    AuthResponse,
    AuthStatus,
    BlacklistDelta,
    CaptureRequest,
    ConfigResponse,
    EnrolRequest,
    EnrolResponse,
    JournalCopy,
    Message,
    ModelResponse,
    PositiveAmount,
    Problem,
    RatesResponse,
    RecordResult,
    RecordStatus,
    RefundRequest,
    UploadRequest,
    UploadResponse,
    VoidRequest,
    WireRecord,
    enrol_code_id,
    enrolment_proof,
    sign_request,
)
from sync.state import StateError, SyncState

log = logging.getLogger("edgepos.uplink")

EXCEPTION_TYPE = "exception.offline_declined"
ALARM_CODES = frozenset({"conflict", "broken_chain", "bad_payload"})  # the hub's copy and ours disagree: a person looks
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=3.0)


class HubUnavailable(Exception):
    """The hub could not be reached or did not answer properly (network, timeout, 5xx, cut answer): retry later."""


class HubRefused(Exception):
    """The hub answered with a Problem (4xx): retrying the same request will not help."""

    def __init__(self, status: int, code: str, message: str, seq: int | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.seq = status, code, message, seq


# --- wire form and pure helpers -----------------------------------------------------------------------------------


def to_wire(record: Record) -> WireRecord:
    """A journal record exactly as stored: payload text byte for byte, sealed secret as base64, digests as hex."""
    return WireRecord(
        seq=record.seq,
        terminal_id=record.terminal_id,
        time=record.time_text,
        type=record.type,
        payload=record.payload_raw.decode("utf-8"),
        secret=base64.b64encode(record.secret).decode("ascii") if record.secret is not None else None,
        prev_hash=record.prev_hash.hex(),
        hash=record.hash.hex(),
        signature=record.signature.hex(),
    )


def from_wire(record: WireRecord) -> Record:
    """The inverse of `to_wire` (records the hub sends back to the terminal that signed them)."""
    return Record(record.seq, record.terminal_id, datetime.fromisoformat(record.time), record.type,
                  record.payload.encode("utf-8"), base64.b64decode(record.secret) if record.secret else None,
                  bytes.fromhex(record.prev_hash), bytes.fromhex(record.hash), bytes.fromhex(record.signature))


def batch_key(terminal_id: str, records: list[Record]) -> str:
    """The idempotency key of an upload: derived from its content, so a retry of the same batch is recognised."""
    digest = sm3(terminal_id.encode() + b"\x00" + b"".join(r.hash for r in records)).hex()[:40]
    return f"upload:{records[0].seq}-{records[-1].seq}:{digest}"


def backoff_delay(attempt: int, base: float = 0.5, cap: float = 60.0, rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2**attempt)] (attempt 0 = first retry).

    Full jitter spreads a fleet of terminals that lost the hub at the same moment, so they do not return together.
    """
    ceiling = min(cap, base * 2 ** min(attempt, 62))
    return (rng or random).uniform(0, ceiling)


def _key(prefix: str, ident: str) -> str:
    """An idempotency key for one logical request on `ident`; hashed when it would be too long for the protocol."""
    key = f"{prefix}:{ident}"
    return key if len(key) <= 128 else f"{prefix}:{sm3(ident.encode()).hex()}"


# --- reports ------------------------------------------------------------------------------------------------------


@dataclass
class RoundReport:
    """What one sync round did."""

    sent: int = 0  # records sent (re-sends included)
    acknowledged: int = 0  # newly acknowledged in the journal
    declined: int = 0  # of which the hub declined (an exception record was raised for each, once)
    exceptions: list[int] = field(default_factory=list)  # seqs of exception records raised this round
    pending: int = 0  # still in the outbox after the round
    errors: list[str] = field(default_factory=list)
    skew_ms: int | None = None
    duration_s: float = 0.0
    pulled: dict[str, Any] = field(default_factory=dict)  # downstream versions applied this round
    unreachable: bool = False  # the hub could not be reached (records stay queued)
    refused: bool = False  # the hub refused a request (4xx)
    alarm: str | None = None  # the hub rejected a record as conflicting / breaking the chain

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


@dataclass(frozen=True)
class SyncStatus:
    """The queue and the link, as the cashier, the technician and `edgepos sync --status` see them."""

    pending: int
    oldest_pending_age_s: float | None
    last_success_at: str | None
    last_error: str | None
    last_error_at: str | None
    skew_ms: int | None
    enrolled: bool
    merchant_id: str | None
    last_hub_seq: int | None
    alarm: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def sync_status(journal: Journal, state: SyncState, now: datetime) -> SyncStatus:
    """The status from the journal and the state file alone (no hub contact)."""
    pending, oldest = journal.outbox_stats()
    fields = state.status_fields()
    return SyncStatus(
        pending=pending,
        oldest_pending_age_s=round((now - oldest).total_seconds(), 3) if oldest else None,
        last_success_at=fields.get("last_success_at"),
        last_error=fields.get("last_error"),
        last_error_at=fields.get("last_error_at"),
        skew_ms=fields.get("skew_ms"),
        enrolled=bool(fields.get("merchant_id")),
        merchant_id=fields.get("merchant_id"),
        last_hub_seq=fields.get("last_hub_seq"),
        alarm=fields.get("alarm"),
    )


Decision = Literal["approved", "declined", "unavailable"]


@dataclass(frozen=True)
class AuthOutcome:
    """The hub's answer to an online authorisation, or `unavailable` when none came within the budget."""

    decision: Decision
    auth_id: str
    reason: str | None = None
    response: AuthResponse | None = None
    elapsed_ms: float = 0.0

    @property
    def approved(self) -> bool:
        return self.decision == "approved"


# --- the uplink ---------------------------------------------------------------------------------------------------


class Uplink:
    """One terminal's link to its hub: sync rounds (by hand or in a background thread) and online calls."""

    def __init__(
        self,
        journal: Journal,
        keystore: KeyStore,
        hub_url: str,
        *,
        state: SyncState,
        clock: Callable[[], datetime] = utc_now,
        batch_size: int = 500,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        backoff_base_s: float = 0.5,
        backoff_cap_s: float = 60.0,
        idle_s: float = 30.0,
        pull_every_s: float = 60.0,
        rng: random.Random | None = None,
        transport: httpx.BaseTransport | None = None,
        after_round: Callable[[RoundReport], None] | None = None,
    ) -> None:
        """`after_round` runs in the sync thread after each good round (the till releases abandoned holds there:
        sync does not know the checkout)."""
        self.journal = journal
        self.after_round = after_round
        self.state = state
        self._keys = keystore
        self._signer = keystore.signing_key()
        self.terminal_id = keystore.terminal_id
        self._clock = clock
        self.batch_size = max(1, min(batch_size, MAX_BATCH))
        self.backoff_base_s, self.backoff_cap_s, self.idle_s = backoff_base_s, backoff_cap_s, idle_s
        self.pull_every_s = pull_every_s
        self._rng = rng or random.Random()
        url = httpx.URL(hub_url)
        self.hub_url = str(url)
        self._prefix = url.path.rstrip("/")  # a hub behind a path prefix: the prefix is part of the signed path
        self._client = httpx.Client(base_url=url.copy_with(path="/"), timeout=timeout, transport=transport,
                                    headers={"User-Agent": "edgepos-uplink/1"})
        self._last_skew: int | None = None
        self._clock_offset = timedelta(0)  # corrects request times after the hub reports our clock too far off
        self._round_lock = threading.Lock()
        self._last_pull = float("-inf")
        self._online = ThreadPoolExecutor(max_workers=4, thread_name_prefix="edgepos-auth")
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def close(self) -> None:
        self.stop()
        self._online.shutdown(wait=False, cancel_futures=True)
        self._client.close()

    @contextlib.contextmanager
    def _process_lock(self) -> Iterator[None]:
        """One sync round per journal at a time across processes (the app's sync thread and `edgepos sync`): two
        rounds at once would each see a decline and each raise its exception record. flock is released by the
        kernel if the process dies, so a crashed round never blocks the next."""
        path = Path(f"{self.journal.path}.sync-lock")
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    def __enter__(self) -> Uplink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- enrolment ----------------------------------------------------------------------------------------------

    def enrol(self, merchant_id: str, code: bytes) -> EnrolResponse:
        """Register this terminal's public key with the hub, proving a one-time enrolment code the hub minted for
        the merchant (the code itself is not sent). A retry after a lost answer enrols idempotently."""
        public_key = self._keys.public_key().hex()
        code_id = enrol_code_id(code)
        request = EnrolRequest(terminal_id=self.terminal_id, merchant_id=merchant_id, public_key=public_key,
                               code_id=code_id,
                               proof=enrolment_proof(code, self.terminal_id, merchant_id, public_key))
        key = _key("enrol", f"{self.terminal_id}:{merchant_id}:{sm3(self._keys.public_key()).hex()[:32]}:{code_id}")
        answer = self._parse(self._call("POST", "/enrol", request, key), EnrolResponse)
        self.state.update(merchant_id=answer.merchant_id, enrolled_at=answer.enrolled_at.isoformat(),
                          last_hub_seq=answer.last_seq, hub_url=self.hub_url)
        log.info("enrolled at %s as %s (merchant %s); hub holds records up to %d", self.hub_url, self.terminal_id,
                 answer.merchant_id, answer.last_seq)
        return answer

    # --- a till behind the hub (restored from an older backup) ------------------------------------------------

    def journal_copy(self, after: int, timeout: httpx.Timeout | None = None) -> JournalCopy:
        """The hub's copy of this terminal's records after `after` (up to 1,000) and the hub's chain head."""
        response = self._call("GET", f"/journal?after={after}", None, f"get:{uuid.uuid4().hex}", timeout)
        return self._parse(response, JournalCopy)

    def catch_up(self) -> int:
        """Fetch the records the hub holds beyond this journal's head and adopt them (checked against our own key).
        Returns how many were adopted; JournalError when the hub's copy does not continue this journal."""
        adopted = 0
        while True:
            seq = self.journal.head()[0]
            copy = self.journal_copy(seq)
            if not copy.records:
                if copy.last_seq > seq:
                    raise HubRefused(409, "conflict", f"the hub holds records up to {copy.last_seq} but sent none "
                                                      f"after {seq}")
                self.state.update(last_hub_seq=copy.last_seq)
                return adopted
            adopted += self.journal.adopt([from_wire(r) for r in copy.records])

    # --- one sync round -----------------------------------------------------------------------------------------

    def sync_once(self, pull: bool | None = None) -> RoundReport:
        """Forward the outbox (the records there when the round starts), then pull downstream data when due
        (`pull` forces or skips it). Never raises for hub or network trouble: the report says what happened."""
        with self._round_lock, self._process_lock():
            started = time.monotonic()
            report = RoundReport()
            try:
                self._upload(report)
            except (HubUnavailable, HubRefused) as exc:
                self._note_failure(report, exc)
            if not report.unreachable and (pull or (pull is None and time.monotonic() - self._last_pull
                                                    >= self.pull_every_s)):
                self._pull(report)
            report.pending = self.journal.outbox_stats()[0]
            report.skew_ms = self._last_skew
            report.duration_s = round(time.monotonic() - started, 4)
            self._record_round(report)
            return report

    def _upload(self, report: RoundReport) -> None:
        last_at_start = self.journal.head()[0]
        resend_after: int | None = None  # gap recovery: the hub lost records we hold as acknowledged
        recovered = False
        while True:
            if resend_after is not None:
                batch = list(itertools.islice(self.journal.records(after=resend_after, batch=self.batch_size),
                                              self.batch_size))
            else:
                batch = self.journal.outbox(self.batch_size)
            limit = max([last_at_start, *report.exceptions])  # our own exception records go in the same round
            batch = [r for r in batch if r.seq <= limit]
            if not batch:
                return
            response, batch = self._send_batch(batch)
            report.sent += len(batch)
            self.state.update(last_hub_seq=response.last_seq)
            done, rejected = self._apply_results(batch, response, report)
            if rejected is not None:
                if rejected.code == "gap" and response.last_seq < rejected.seq - 1 and not recovered:
                    log.warning("hub holds records only up to %d (we sent %d on): re-sending from there",
                                response.last_seq, rejected.seq)
                    resend_after, recovered = response.last_seq, True
                    continue
                self._alarm(report, rejected.seq, rejected.code or "rejected", rejected.message or "")
                return
            if done == 0:
                if not report.errors:
                    report.errors.append("hub answered an upload without results; will retry")
                return
            if resend_after is not None:
                resend_after = batch[done - 1].seq

    def _send_batch(self, batch: list[Record]) -> tuple[UploadResponse, list[Record]]:
        """POST one batch (halved until it fits the hub's body limit); returns the answer and what was sent."""
        while True:
            body = UploadRequest(records=[to_wire(r) for r in batch]).model_dump_json().encode()
            if len(body) <= MAX_BODY or len(batch) == 1:
                break
            batch = batch[: len(batch) // 2]
        key = batch_key(self.terminal_id, batch)
        response = self._parse(self._call("POST", "/journal", body, key), UploadResponse)
        return response, batch

    def _apply_results(
        self, batch: list[Record], response: UploadResponse, report: RoundReport
    ) -> tuple[int, RecordResult | None]:
        """Acknowledge what the hub accepted, counted or declined; returns (records settled, first rejected)."""
        acks: dict[int, str] = {}
        rejected = None
        for record, result in zip(batch, response.results, strict=False):
            if result.seq != record.seq:
                report.errors.append(f"hub answered record {result.seq} where {record.seq} was sent; will retry")
                break
            if result.status is RecordStatus.REJECTED:
                rejected = result
                break
            if result.status is RecordStatus.DECLINED:
                raised = self._raise_decline(record, result.code or "declined", result.message or "declined")
                report.declined += 1
                if raised is not None:
                    report.exceptions.append(raised)
            elif result.status is RecordStatus.DUPLICATE and (result.code or "").startswith("declined:"):
                # declined before, but that answer may have been lost before the decline was noted (a crash)
                raised = self._raise_decline(record, (result.code or "").removeprefix("declined:"),
                                             result.message or "declined by the hub", resent=True)
                if raised is not None:
                    report.exceptions.append(raised)
            acks[record.seq] = str(result.status)
        if acks:
            report.acknowledged += self.journal.acknowledge(acks)
        return len(acks), rejected

    def _raise_decline(self, record: Record, code: str, message: str, resent: bool = False) -> int | None:
        """Raise the manager's exception record for a declined offline sale, exactly once (noted first); returns
        its seq when raised now. `resent`: declined in an earlier answer, maybe lost before it was noted."""
        decline, seen_before = self.state.note_decline(record.seq, code, message)
        if decline.exception_seq is not None:
            return None
        if seen_before or resent:  # a crash came between noting and raising, or the state file was lost: look
            for later in self.journal.records(after=record.seq):
                if later.type == EXCEPTION_TYPE and later.payload.get("declined_seq") == record.seq:
                    self.state.decline_raised(record.seq, later.seq)
                    return None
        payload = record.payload
        exception = {"declined_seq": record.seq, "declined_type": record.type, "sale_id": payload.get("sale_id"),
                     "code": code, "message": message}
        totals = payload.get("totals")
        if isinstance(totals, dict) and isinstance(totals.get("total"), dict):
            exception["total"] = totals["total"]  # money as recorded: minor units + currency
        elif isinstance(payload.get("total"), dict):  # a refund the hub declined (no booked sale, over the cap)
            exception["total"] = payload["total"]
            exception["refund_id"] = payload.get("refund_id")
        raised = self.journal.append(EXCEPTION_TYPE, exception)
        self.state.decline_raised(record.seq, raised.seq)
        log.warning("hub declined record %d (sale %s) approved offline: %s; exception record %d raised for the "
                    "manager", record.seq, payload.get("sale_id"), code, raised.seq)
        return raised.seq

    def _alarm(self, report: RoundReport, seq: int, code: str, message: str) -> None:
        report.alarm = f"hub rejected record {seq} ({code}): {message}".strip()
        report.errors.append(report.alarm)
        log.error("SYNC ALARM: %s; the record stays queued and needs a technician", report.alarm)

    # --- downstream ---------------------------------------------------------------------------------------------

    def _pull(self, report: RoundReport) -> None:
        """Config, blacklist delta, rates and model version; each applied in one transaction, each on its own."""
        steps: list[tuple[str, Callable[[], Any]]] = [
            ("config", self._pull_config), ("blacklist", self._pull_blacklist),
            ("rates", self._pull_rates), ("model", self._pull_model),
        ]
        failed = False
        for name, step in steps:
            try:
                report.pulled[name] = step()
            except (HubUnavailable, HubRefused, StateError) as exc:
                failed = True
                self._note_failure(report, exc, what=f"{name} pull")
                if report.unreachable:
                    break
        if not failed:
            self._last_pull = time.monotonic()

    def _pull_config(self) -> int:
        config = self._get("/config", ConfigResponse)
        self.state.apply_config(config)
        return config.version

    def _pull_blacklist(self) -> int:
        held = self.state.blacklist_version()
        delta = self._get(f"/blacklist?since={held}", BlacklistDelta)
        try:
            self.state.apply_blacklist(delta)
        except StateError:  # the hub answered from another version than we hold: take the whole list
            delta = self._get("/blacklist?since=0", BlacklistDelta)
            self.state.apply_blacklist(delta)
        return delta.version

    def _pull_rates(self) -> int | None:
        try:
            rates = self._get("/rates", RatesResponse)
        except HubRefused as exc:
            if exc.status == 404:  # none published yet: keep what we hold
                return None
            raise
        self.state.apply_rates(rates)
        return rates.version

    def _pull_model(self) -> str:
        model = self._get("/model", ModelResponse)
        self.state.apply_model(model)
        return model.version

    # --- online authorisation and its follow-ups ----------------------------------------------------------------

    def authorise(self, request: AuthRequest, budget_s: float = 2.0) -> AuthOutcome:
        """Ask the hub to place a hold; `unavailable` when no answer comes within `budget_s` (network trouble,
        timeout, 5xx), so checkout can fall back to offline approval when its profile allows. A retry must pass
        the same request (same auth_id): it reuses the idempotency key and can never place a second hold.
        Raises HubRefused when the hub refuses the request itself (4xx)."""
        started = time.monotonic()
        timeout = httpx.Timeout(budget_s)
        future = self._online.submit(self._call, "POST", "/auth", request, _key("auth", request.auth_id), timeout)

        def outcome(decision: Decision, reason: str | None = None, response: AuthResponse | None = None
                    ) -> AuthOutcome:
            return AuthOutcome(decision, request.auth_id, reason, response,
                               round((time.monotonic() - started) * 1000, 2))

        try:
            answer = self._parse(future.result(timeout=budget_s), AuthResponse)
        except FutureTimeout:
            future.cancel()
            return outcome("unavailable", f"the hub did not answer within {budget_s:g} s")
        except HubUnavailable as exc:
            return outcome("unavailable", str(exc))
        if answer.status in (AuthStatus.APPROVED, AuthStatus.CAPTURED):
            return outcome("approved", answer.reason, answer)
        return outcome("declined", answer.reason or f"authorisation {answer.status}", answer)

    def capture(self, auth_id: str, amount: PositiveAmount) -> AuthResponse:
        """Post (part of) a hold. Idempotent per hold: one capture per authorisation."""
        request = CaptureRequest(auth_id=auth_id, amount=amount)
        return self._parse(self._call("POST", "/capture", request, _key("capture", auth_id)), AuthResponse)

    def void(self, auth_id: str, reason: str) -> AuthResponse:
        request = VoidRequest(auth_id=auth_id, reason=reason)
        return self._parse(self._call("POST", "/void", request, _key("void", auth_id)), AuthResponse)

    def refund(self, refund_id: str, auth_id: str, amount: PositiveAmount, reason: str) -> AuthResponse:
        request = RefundRequest(refund_id=refund_id, auth_id=auth_id, amount=amount, reason=reason)
        key = _key("refund", f"{refund_id}:{auth_id}")  # one refund may go back to several holds
        return self._parse(self._call("POST", "/refund", request, key), AuthResponse)

    # --- background worker --------------------------------------------------------------------------------------

    def start(self) -> None:
        """Run sync rounds in a background thread until `stop()`."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="edgepos-uplink", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def poke(self) -> None:
        """A new record is waiting (called after each sale): run a round now unless backing off after a failure."""
        self._wake.set()

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            self._wake.clear()  # a poke from now on (even during the round) means: go again
            try:
                report = self.sync_once()
                if report.ok and self.after_round is not None:
                    self.after_round(report)
            except Exception:  # a bug or a damaged journal: keep the thread alive, say it loudly, back off
                log.exception("sync round failed unexpectedly")
                report = RoundReport(errors=["sync round failed unexpectedly"])
            if report.ok:
                failures = 0
                if report.pending and report.acknowledged:
                    continue  # more arrived during the round: go again at once
                self._wake.wait(self.idle_s)
            else:
                delay = backoff_delay(failures, self.backoff_base_s, self.backoff_cap_s, self._rng)
                failures += 1
                log.info("sync round failed (%s); next try in %.1f s", report.errors[0], delay)
                self._stop.wait(delay)

    # --- status -------------------------------------------------------------------------------------------------

    def status(self) -> SyncStatus:
        return sync_status(self.journal, self.state, self._clock())

    def _record_round(self, report: RoundReport) -> None:
        now = self._clock().isoformat()
        fields: dict[str, Any] = {}
        if report.skew_ms is not None:
            fields["skew_ms"] = report.skew_ms
        if report.ok:
            fields.update(last_success_at=now, last_error=None, last_error_at=None, alarm=None)
        else:
            fields.update(last_error=report.errors[0], last_error_at=now)
            if report.alarm:
                fields["alarm"] = report.alarm
        self.state.update(**fields)

    def _note_failure(self, report: RoundReport, exc: Exception, what: str = "upload") -> None:
        if isinstance(exc, HubUnavailable):
            report.unreachable = True
            report.errors.append(f"{exc}; records stay queued")
        elif isinstance(exc, HubRefused):
            report.refused = True
            if exc.code == "unknown_terminal":  # the hub forgot us (new hub, reset): status must say so
                self.state.update(merchant_id=None)
            report.errors.append(f"hub refused the {what}: {exc.message}")
            log.error("hub refused the %s: %s (%s)", what, exc.message, exc.code)
        else:
            report.errors.append(f"{what}: {exc}")

    # --- HTTP ---------------------------------------------------------------------------------------------------

    def _get(self, path: str, model: type[BaseModel]) -> Any:
        return self._parse(self._call("GET", path, None, f"get:{uuid.uuid4().hex}"), model)

    def _call(self, method: str, path: str, body: Message | bytes | None, key: str,
              timeout: httpx.Timeout | None = None, _retried: bool = False) -> httpx.Response:
        """Send one signed request; returns a 2xx response or raises HubUnavailable / HubRefused."""
        full_path = self._prefix + API_PREFIX + path
        raw = body.model_dump_json().encode() if isinstance(body, Message) else (body or b"")
        headers = sign_request(self._signer, self.terminal_id, method, full_path, key, raw,
                               now=self._clock() + self._clock_offset)
        if raw:
            headers["Content-Type"] = "application/json"
        try:
            response = self._client.request(method, full_path, content=raw or None, headers=headers,
                                            timeout=timeout or httpx.USE_CLIENT_DEFAULT)
        except httpx.TimeoutException:
            raise HubUnavailable(f"hub at {self.hub_url} did not answer in time") from None
        except httpx.TransportError as exc:
            raise HubUnavailable(f"hub at {self.hub_url} is unreachable ({_reason(exc)})") from None
        skew = _skew_ms(response)
        if skew is not None:  # the terminal's own clock, correction taken out
            self._last_skew = skew + round(self._clock_offset.total_seconds() * 1000)
        if response.status_code < 300:
            return response
        problem = _problem(response)
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise HubUnavailable(f"hub at {self.hub_url} is not available right now ({response.status_code}: "
                                 f"{problem.message})")
        if problem.code == "clock_skew" and skew is not None and not _retried:
            # like well-known cloud SDKs: sign with the hub's time once it tells us how far off we are, and retry
            self._clock_offset += timedelta(milliseconds=skew)
            log.warning("terminal clock is off by %s ms from the hub's; correcting request times", skew)
            return self._call(method, path, body, key, timeout, _retried=True)
        if problem.code == "unknown_terminal":
            raise HubRefused(response.status_code, problem.code,
                             "this terminal is not enrolled at the hub; run: edgepos sync enrol --merchant ID")
        raise HubRefused(response.status_code, problem.code, problem.message, problem.seq)

    def _parse(self, response: httpx.Response, model: type[BaseModel]) -> Any:
        try:
            return model.model_validate_json(response.content)
        except ValidationError:
            raise HubUnavailable(f"hub at {self.hub_url} sent an answer that does not fit the protocol") from None

    @property
    def last_skew_ms(self) -> int | None:
        """Hub clock minus terminal clock (ms) at the last answer."""
        return self._last_skew


def _problem(response: httpx.Response) -> Problem:
    try:
        return Problem.model_validate_json(response.content)
    except ValidationError:
        return Problem(code=f"http_{response.status_code}", message=response.reason_phrase or "no details")


def _skew_ms(response: httpx.Response) -> int | None:
    """The hub's X-Edgepos-Clock-Skew-Ms, or None when absent or not a plausible integer (never trusted blindly)."""
    text = response.headers.get(H_SKEW, "")
    if not re.fullmatch(r"-?[0-9]{1,13}", text):  # 13 digits: about 300 years either way
        return None
    return int(text)


def _reason(exc: httpx.TransportError) -> str:
    text = str(exc) or type(exc).__name__
    if "refused" in text.lower():
        return "connection refused"
    return text if len(text) < 120 else type(exc).__name__
