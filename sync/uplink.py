"""The terminal's store-and-forward sync worker: forwards the journal's outbox to the hub exactly once and pulls
downstream data (config, blacklist, rates, model) into the sync state, by hand or in a background thread. It talks to
the hub only through a sync.hub_client.HubClient (signing, idempotency keys, clock skew, the hub's errors).

Exactly once rests on two facts: the hub counts a record once per (terminal, seq, hash) and answers a re-send
`duplicate`, and the terminal marks a record acknowledged only after the hub's per-record result. The uplink keeps
no state of its own beyond the journal's acks and the sync state file, so a crash at any point is resumed by simply
sending the outbox again. A hub decline of a record approved offline becomes an `exception.offline_declined`
record in the journal, raised once even across crashes (noted in the state file before it is raised).
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import logging
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sync.hub_client import HubClient, HubRefused, HubUnavailable, from_wire
from sync.journal import Journal, Record, utc_now
from sync.protocol import MAX_BATCH, EnrolResponse, ModelResponse, RecordResult, RecordStatus, UploadResponse
from sync.state import StateError, SyncState

log = logging.getLogger("edgepos.uplink")

EXCEPTION_TYPE = "exception.offline_declined"
ALARM_CODES = frozenset({"conflict", "broken_chain", "bad_payload"})  # the hub's copy and ours disagree: a person looks


# --- pure helpers ---------------------------------------------------------------------------------------------------


def retry_delay(attempt: int, retry_after_s: float | None, base: float = 0.5, cap: float = 60.0,
                rng: random.Random | None = None) -> float:
    """The wait before the next round after a failure: the jittered backoff, and never less than the hub's
    Retry-After, itself stretched by up to half again at random so a fleet told "1 s" does not return in one wave."""
    delay = backoff_delay(attempt, base, cap, rng)
    if retry_after_s is None:
        return delay
    return max(delay, retry_after_s * (rng or random).uniform(1.0, 1.5))


def backoff_delay(attempt: int, base: float = 0.5, cap: float = 60.0, rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2**attempt)] (attempt 0 = first retry).

    Full jitter spreads a fleet of terminals that lost the hub at the same moment, so they do not return together.
    """
    ceiling = min(cap, base * 2 ** min(attempt, 62))
    return (rng or random).uniform(0, ceiling)


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
    retry_after_s: float | None = None  # the hub asked to wait this long (429/503 Retry-After)
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


# --- the uplink ---------------------------------------------------------------------------------------------------


class Uplink:
    """One terminal's sync worker: sync rounds (by hand or in a background thread) over a HubClient it does not own
    (whoever built the client closes it, after the uplink)."""

    def __init__(
        self,
        journal: Journal,
        client: HubClient,
        *,
        state: SyncState,
        clock: Callable[[], datetime] = utc_now,
        batch_size: int = 500,
        backoff_base_s: float = 0.5,
        backoff_cap_s: float = 60.0,
        idle_s: float = 30.0,
        pull_every_s: float = 60.0,
        rng: random.Random | None = None,
        after_round: Callable[[RoundReport], None] | None = None,
        on_model: Callable[[ModelResponse], Any] | None = None,
    ) -> None:
        """`after_round` runs in the sync thread after each good round (the till releases abandoned holds there:
        sync does not know the checkout)."""
        if client.terminal_id != journal.terminal_id:
            raise ValueError(f"hub client of terminal {client.terminal_id} for the journal of {journal.terminal_id}")
        self.journal = journal
        self.client = client
        self.after_round = after_round
        self.on_model = on_model  # the till's risk-model delivery (download, check, shadow: models/delivery.py)
        self.state = state
        self._clock = clock
        self.batch_size = max(1, min(batch_size, MAX_BATCH))
        self.backoff_base_s, self.backoff_cap_s, self.idle_s = backoff_base_s, backoff_cap_s, idle_s
        self.pull_every_s = pull_every_s
        self._rng = rng or random.Random()
        self._round_lock = threading.Lock()
        self._last_pull = float("-inf")
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def close(self) -> None:
        """Stop the background thread (the client stays open: it is its owner's to close)."""
        self.stop()

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
        """Enrol this terminal at the hub with a one-time code (HubClient.enrol) and note the enrolment, the hub's
        head for this terminal and the hub's address in the sync state."""
        answer = self.client.enrol(merchant_id, code)
        self.state.update(merchant_id=answer.merchant_id, enrolled_at=answer.enrolled_at.isoformat(),
                          last_hub_seq=answer.last_seq, hub_url=self.client.hub_url)
        log.info("enrolled at %s as %s (merchant %s); hub holds records up to %d", self.client.hub_url,
                 self.client.terminal_id, answer.merchant_id, answer.last_seq)
        return answer

    # --- a till behind the hub (restored from an older backup) ------------------------------------------------

    def catch_up(self) -> int:
        """Fetch the records the hub holds beyond this journal's head and adopt them (checked against our own key).
        Returns how many were adopted; JournalError when the hub's copy does not continue this journal."""
        adopted = 0
        while True:
            seq = self.journal.head()[0]
            copy = self.client.journal_copy(seq)
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
            report.skew_ms = self.client.last_skew_ms
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
            response, batch = self.client.upload(batch)
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
        config = self.client.config()
        self.state.apply_config(config)
        return config.version

    def _pull_blacklist(self) -> int:
        held = self.state.blacklist_version()
        delta = self.client.blacklist(since=held)
        try:
            self.state.apply_blacklist(delta)
        except StateError:  # the hub answered from another version than we hold: take the whole list
            delta = self.client.blacklist(since=0)
            self.state.apply_blacklist(delta)
        return delta.version

    def _pull_rates(self) -> int | None:
        rates = self.client.rates()
        if rates is None:  # none published yet: keep what we hold
            return None
        self.state.apply_rates(rates)
        return rates.version

    def _pull_model(self) -> str:
        model = self.client.model()
        self.state.apply_model(model)
        if self.on_model is not None:
            self.on_model(model)
        return model.version

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
                delay = retry_delay(failures, report.retry_after_s, self.backoff_base_s, self.backoff_cap_s, self._rng)
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
            if exc.retry_after_s is not None:
                report.retry_after_s = max(report.retry_after_s or 0.0, exc.retry_after_s)
            report.errors.append(f"{exc}; records stay queued")
        elif isinstance(exc, HubRefused):
            report.refused = True
            if exc.code == "unknown_terminal":  # the hub forgot us (new hub, reset): status must say so
                self.state.update(merchant_id=None)
            report.errors.append(f"hub refused the {what}: {exc.message}")
            log.error("hub refused the %s: %s (%s)", what, exc.message, exc.code)
        else:
            report.errors.append(f"{what}: {exc}")
