"""The hub's one ledger logic over either backend: what every endpoint, test and benchmark calls.

Terminal requests that change something run through `once`: the effects and the stored answer under the
terminal's Idempotency-Key commit in one transaction, so a retry after any crash gets exactly the first answer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel

from hub import downstream, enrol_codes, holds, reports
from hub.backend import Backend, Tx
from hub.clock import Clock, iso, utc_now
from hub.errors import Conflict, HubError, NotFound, StaleState
from hub.fleet import is_retired
from hub.ingest import RefundScope, ingest, verify_batch
from hub.merchants import MerchantSettings, put_settings
from hub.schema import migrate
from hub.terminals import Terminal, enrol, journal_copy, load_terminal
from sync.protocol import (
    AuthRequest,
    CaptureRequest,
    EnrolRequest,
    EnrolResponse,
    JournalCopy,
    Problem,
    RefundRequest,
    SettlementTotal,
    UploadResponse,
    VoidRequest,
    WireRecord,
)

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Idempotency:
    terminal_id: str
    key: str
    digest: str  # of method, path and body: the same key with another request is a conflict

    @classmethod
    def of(cls, terminal_id: str, key: str, method: str, path: str, body: bytes) -> Idempotency:
        digest = hashlib.sha256(f"{method.upper()} {path}\n".encode() + body).hexdigest()
        return cls(terminal_id, key, digest)


@dataclass(frozen=True, slots=True)
class Reply:
    """An answer as sent: status and exact JSON body (what a retry under the same key gets back)."""

    status: int
    body: bytes
    replayed: bool = False

    def json(self) -> Any:
        return json.loads(self.body)

    def model(self, model: type[M]) -> M:
        """The 2xx body as `model`; an error answer raises HubError with its code."""
        if self.status >= 300:
            problem = Problem.model_validate_json(self.body)
            error = HubError(problem.message, code=problem.code, seq=problem.seq)
            error.status = self.status
            raise error
        return model.model_validate_json(self.body)


def problem_body(error: HubError) -> bytes:
    return Problem(code=error.code, message=error.message, seq=error.seq).model_dump_json(exclude_none=True).encode()


class Store:
    def __init__(self, backend: Backend, clock: Clock = utc_now, hold_ttl: timedelta = holds.DEFAULT_HOLD_TTL,
                 refund_scope: RefundScope = "terminal") -> None:
        self.backend = backend
        self.clock = clock
        self.hold_ttl = hold_ttl
        self.refund_scope: RefundScope = refund_scope
        self._identities = backend.identity_cache()
        self.schema_version = migrate(backend)

    @classmethod
    def open(cls, path: str | Path | None = None, dsn: str | None = None, **options: Any) -> Store:
        """SQLite at `path` (the default), or PostgreSQL when a DSN is given."""
        if dsn:
            from hub.postgres_backend import PostgresBackend

            return cls(PostgresBackend(dsn), **options)
        from hub.sqlite_backend import SqliteBackend

        return cls(SqliteBackend(path or "edgepos-hub.db"), **options)

    def close(self) -> None:
        self._identities.close()
        self.backend.close()

    def read(self, action: Callable[[Tx], T]) -> T:
        """Run `action` in a transaction that may write."""
        with self.backend.transaction() as tx:
            return action(tx)

    def view(self, action: Callable[[Tx], T]) -> T:
        """Run `action` in a read-only transaction (on SQLite it never waits for the write lock)."""
        with self.backend.transaction(readonly=True) as tx:
            return action(tx)

    def ping(self, wait_s: float = 1.0) -> bool:
        """Whether the database answers within about `wait_s` (readiness: a load balancer waits for no one)."""
        try:
            return self.backend.ping(wait_s)
        except Exception:
            return False

    # --- terminals ------------------------------------------------------------------------------------------------

    def terminal(self, terminal_id: str) -> Terminal | None:
        return self.view(lambda tx: load_terminal(tx, terminal_id))

    def identity(self, terminal_id: str) -> Terminal | None:
        """The enrolled terminal's id, merchant and key, cached after the first load (they never change); its chain
        fields are as first loaded, so use `terminal()` for those."""
        known = self._identities.get(terminal_id)
        if known is None:
            generation = self._identities.generation
            known = self.view(lambda tx: None if is_retired(tx, terminal_id) else load_terminal(tx, terminal_id))
            if known is not None:
                self._identities.put(terminal_id, known, generation)
        return known

    def forget_identity(self, terminal_id: str) -> None:
        """The terminal's key changed or was retired (hub.fleet): the next request loads it again, in this process
        and (PostgreSQL) in every other hub process (see hub.identities)."""
        self._identities.forget(terminal_id)
        self._identities.announce(self, terminal_id)

    def cached_identity(self, terminal_id: str) -> Terminal | None:
        return self._identities.get(terminal_id)

    def journal_copy(self, terminal: Terminal, after: int) -> JournalCopy:
        return self.view(lambda tx: journal_copy(tx, load_terminal(tx, terminal.id) or terminal, after))

    def enrol(self, request: EnrolRequest) -> EnrolResponse:
        """The caller has checked the request signature; the enrolment code's proof is checked and the code spent
        in the same transaction (see hub.enrol_codes)."""
        now = self.clock()
        return self.read(lambda tx: enrol(tx, request, now)).enrolment()

    def mint_enrol_code(self, merchant_id: str,
                        ttl: timedelta = enrol_codes.DEFAULT_TTL) -> enrol_codes.EnrolCodeResponse:
        """A one-time code that enrols one terminal of `merchant_id` (see hub.enrol_codes)."""
        now = self.clock()
        return self.read(lambda tx: enrol_codes.mint(tx, merchant_id, ttl, now))

    # --- idempotent terminal operations ---------------------------------------------------------------------------

    def once(self, idem: Idempotency | None, action: Callable[[Tx], BaseModel]) -> Reply:
        """Run `action` and keep its answer under `idem`; a second call with the same key replays that answer
        (looked up inside the one write transaction: a request costs one transaction, not two)."""
        try:
            with self.backend.transaction() as tx:
                if idem is not None:
                    tx.lock_terminal(idem.terminal_id)
                    stored = _stored(tx, idem)
                    if stored is not None:
                        return stored
                reply = Reply(200, action(tx).model_dump_json().encode())
                if idem is not None:
                    _remember(tx, idem, reply, self.clock())
                return reply
        except HubError as error:
            if error.status >= 500 or idem is None:
                raise
            reply = Reply(error.status, problem_body(error))
            with self.backend.transaction() as tx:  # the refusal is the answer too; effects were rolled back
                tx.lock_terminal(idem.terminal_id)
                stored = _stored(tx, idem)
                if stored is not None:
                    return stored
                _remember(tx, idem, reply, self.clock())
            return reply

    def authorise(self, terminal_id: str, request: AuthRequest, idem: Idempotency | None = None) -> Reply:
        terminal = self.identity(terminal_id)
        if terminal is None:
            raise NotFound(f"terminal {terminal_id} is not enrolled", code="unknown_terminal")
        return self.once(idem, lambda tx: holds.authorise(tx, terminal.id, terminal.merchant_id, request,
                                                          self.clock(), self.hold_ttl))

    def capture(self, terminal_id: str, request: CaptureRequest, idem: Idempotency | None = None) -> Reply:
        return self.once(idem, lambda tx: holds.capture(tx, terminal_id, request, self.clock()))

    def void(self, terminal_id: str, request: VoidRequest, idem: Idempotency | None = None) -> Reply:
        return self.once(idem, lambda tx: holds.void(tx, terminal_id, request, self.clock()))

    def refund(self, terminal_id: str, request: RefundRequest, idem: Idempotency | None = None) -> Reply:
        return self.once(idem, lambda tx: holds.refund(tx, terminal_id, request, self.clock()))

    def upload(self, terminal_id: str, records: Sequence[WireRecord], idem: Idempotency | None = None,
               verify: bool = True) -> Reply:
        """Verify and book a batch of journal records (see hub.ingest). `verify=False` skips the digest and
        signature checks (benchmarks only: it measures booking alone); chain links are always checked."""
        if idem is not None:
            stored = self.view(lambda tx: _stored(tx, idem))
            if stored is not None:
                return stored
        for _ in range(20):
            terminal = self._known(terminal_id)
            basis = (terminal.last_seq, terminal.last_hash)
            problems = verify_batch(terminal, records) if verify else None
            try:
                return self.once(idem, lambda tx, b=basis, p=problems: ingest(tx, terminal_id, records, p, b,
                                                                              self.clock(), self.refund_scope))
            except StaleState:
                continue
        raise Conflict("the terminal's chain keeps moving under this upload; retry", code="busy")

    def ingest_records(self, terminal_id: str, records: Sequence[WireRecord], verify: bool = True) -> UploadResponse:
        """Already-parsed records straight into the ledger, no HTTP (for benchmarks and tests)."""
        return self.upload(terminal_id, records, verify=verify).model(UploadResponse)

    def _known(self, terminal_id: str) -> Terminal:
        terminal = self.terminal(terminal_id)
        if terminal is None:
            raise NotFound(f"terminal {terminal_id} is not enrolled", code="unknown_terminal")
        return terminal

    def expire_holds(self) -> int:
        now = self.clock()
        return self.read(lambda tx: holds.expire_holds(tx, now))

    # --- downstream -----------------------------------------------------------------------------------------------

    def config_for(self, terminal_id: str) -> downstream.ConfigResponse:
        return self.view(lambda tx: downstream.config_for(tx, terminal_id))

    def put_config(self, update: downstream.ConfigUpdate) -> downstream.Version:
        return self.read(lambda tx: downstream.put_config(tx, update))

    def blacklist_since(self, since: int) -> downstream.BlacklistDelta:
        return self.view(lambda tx: downstream.blacklist_since(tx, since))

    def change_blacklist(self, change: downstream.BlacklistChange) -> downstream.Version:
        return self.read(lambda tx: downstream.change_blacklist(tx, change))

    def rates(self) -> downstream.RatesResponse:
        return self.view(downstream.latest_rates)

    def put_rates(self, update: downstream.RatesUpdate) -> downstream.Version:
        return self.read(lambda tx: downstream.put_rates(tx, update))

    def model(self) -> downstream.ModelResponse:
        return self.view(downstream.latest_model)

    def put_model(self, update: downstream.ModelUpdate) -> downstream.Version:
        now = self.clock()
        return self.read(lambda tx: downstream.put_model(tx, update, now))

    # --- reports --------------------------------------------------------------------------------------------------

    def put_merchant(self, merchant_id: str, settings: MerchantSettings) -> MerchantSettings:
        return self.read(lambda tx: put_settings(tx, merchant_id, settings))

    def trial_balance(self) -> reports.TrialBalance:
        return self.view(reports.trial_balance)

    def settlement(self, day: str, scope: Literal["terminal", "merchant"], scope_id: str) -> list[SettlementTotal]:
        return self.view(lambda tx: reports.settlement(tx, day, scope, scope_id))

    def terminal_status(self, terminal_id: str) -> reports.TerminalStatus:
        return self.view(lambda tx: reports.terminal_status(tx, terminal_id))

    def balances(self) -> dict[tuple[str, str], int]:
        """Posted balance of every (account, currency): what tests and reconciliation compare."""
        rows = self.view(lambda tx: tx.all(
            "SELECT p.account, p.currency, sum(p.amount) FROM postings p JOIN transfers t ON t.id = p.transfer_id "
            "WHERE t.status = 'posted' GROUP BY p.account, p.currency"))
        return {(account, currency): int(total) for account, currency, total in rows}


def _stored(tx: Tx, idem: Idempotency) -> Reply | None:
    row = tx.one("SELECT digest, status, body FROM idempotency WHERE terminal_id = ? AND key = ?",
                 (idem.terminal_id, idem.key))
    if row is None:
        return None
    if row[0] != idem.digest:
        raise Conflict(f"Idempotency-Key {idem.key!r} was used for another request; use a new key for a new "
                       "request", code="idempotency_conflict")
    return Reply(int(row[1]), row[2].encode(), replayed=True)


def _remember(tx: Tx, idem: Idempotency, reply: Reply, now: datetime) -> None:
    tx.run("INSERT INTO idempotency (terminal_id, key, digest, status, body, created_at) VALUES (?, ?, ?, ?, ?, ?)",
           (idem.terminal_id, idem.key, idem.digest, reply.status, reply.body.decode(), iso(now)))
