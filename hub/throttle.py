"""Back-off for guessers: per client address and kind (admin token, enrolment code), failures are free up to
`FREE_FAILURES` in a row; each one after that locks the client out for twice as long as the last (1 s, 2 s, 4 s
... at most `MAX_LOCKOUT_S`), answered 429 with `Retry-After`. A success clears the client's count.

Where the counts live: in memory for the single-process SQLite hub (bounded, oldest entries go first); in the
`hub_throttle` table for a PostgreSQL hub (`Throttle.for_store`), so every worker process and every hub machine sees
the same lock-out (a guesser spreading over workers gains nothing); entries untouched for `FORGET_AFTER_S` are
pruned. Behind a reverse proxy the proxy must pass the real client address (uvicorn's --forwarded-allow-ips) or
throttle itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

from hub.errors import HubError, Unauthorized

FREE_FAILURES = 10
MAX_LOCKOUT_S = 300.0
MAX_CLIENTS = 10_000
FORGET_AFTER_S = 3600.0  # a client's failures count for an hour in the shared table
PRUNE_EVERY = 256  # failures recorded between two prunes of the shared table


class Throttled(HubError):
    status = 429
    code = "too_many_attempts"

    def __init__(self, retry_after_s: float) -> None:
        self.retry_after_s = max(1, math.ceil(retry_after_s))
        super().__init__(f"too many failed attempts from this address; retry in {self.retry_after_s} s")


@dataclass(slots=True)
class _Record:
    failures: int = 0
    locked_until: float = 0.0


class Throttle:
    def __init__(self, free_failures: int = FREE_FAILURES, max_lockout_s: float = MAX_LOCKOUT_S) -> None:
        self.free_failures = free_failures
        self.max_lockout_s = max_lockout_s
        self._records: OrderedDict[tuple[str, str], _Record] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def for_store(store: Any, free_failures: int = FREE_FAILURES, max_lockout_s: float = MAX_LOCKOUT_S) -> Throttle:
        """The throttle a hub on `store` uses: shared through the database on PostgreSQL, in memory on SQLite."""
        if store is not None and store.backend.dialect == "postgresql":  # None: the OpenAPI document only
            return SharedThrottle(store, free_failures, max_lockout_s)
        return Throttle(free_failures, max_lockout_s)

    def lockout_s(self, failures: int) -> float:
        """How long the `failures`-th failure in a row locks the client out (0: still free)."""
        over = failures - self.free_failures
        return min(2.0 ** (over - 1), self.max_lockout_s) if over > 0 else 0.0

    @contextlib.contextmanager
    def attempt(self, client: str, kind: str) -> Iterator[None]:
        """One guess: refused (Throttled) while locked out; an Unauthorized inside counts as a failure, a normal
        end as a success."""
        self.check(client, kind)
        try:
            yield
        except Unauthorized:
            self.failed(client, kind)
            raise
        self.succeeded(client, kind)

    @contextlib.asynccontextmanager
    async def attempt_async(self, client: str, kind: str) -> AsyncIterator[None]:
        """`attempt` for a coroutine: the bookkeeping runs off the event loop (the shared table is a database)."""
        await asyncio.to_thread(self.check, client, kind)
        try:
            yield
        except Unauthorized:
            await asyncio.to_thread(self.failed, client, kind)
            raise
        await asyncio.to_thread(self.succeeded, client, kind)

    def check(self, client: str, kind: str) -> None:
        """Raise Throttled while the client is locked out."""
        with self._lock:
            record = self._records.get((client, kind))
            if record is not None:
                left = record.locked_until - time.monotonic()
                if left > 0:
                    raise Throttled(left)

    def failed(self, client: str, kind: str) -> None:
        with self._lock:
            record = self._records.pop((client, kind), None) or _Record()
            record.failures += 1
            if self.lockout_s(record.failures) > 0:
                record.locked_until = time.monotonic() + self.lockout_s(record.failures)
            self._records[(client, kind)] = record
            while len(self._records) > MAX_CLIENTS:
                self._records.popitem(last=False)

    def succeeded(self, client: str, kind: str) -> None:
        with self._lock:
            self._records.pop((client, kind), None)


class SharedThrottle(Throttle):
    """The same rules over the `hub_throttle` table (wall-clock seconds: several machines share it)."""

    def __init__(self, store: Any, free_failures: int = FREE_FAILURES, max_lockout_s: float = MAX_LOCKOUT_S) -> None:
        super().__init__(free_failures, max_lockout_s)
        self.store = store
        self._failures_seen = 0

    def check(self, client: str, kind: str) -> None:
        row = self.store.view(lambda tx: tx.one("SELECT locked_until FROM hub_throttle WHERE client = ? AND kind = ?",
                                                (client, kind)))
        if row is not None:
            left = float(row[0]) - time.time()
            if left > 0:
                raise Throttled(left)

    def failed(self, client: str, kind: str) -> None:
        now = time.time()

        def count(tx: Any) -> None:
            row = tx.one("INSERT INTO hub_throttle (client, kind, failures, locked_until, updated_at) "
                         "VALUES (?, ?, 1, 0, ?) ON CONFLICT (client, kind) DO UPDATE SET "
                         "failures = hub_throttle.failures + 1, updated_at = excluded.updated_at RETURNING failures",
                         (client, kind, now))
            lockout = self.lockout_s(int(row[0]))
            if lockout > 0:
                tx.run("UPDATE hub_throttle SET locked_until = ? WHERE client = ? AND kind = ?",
                       (now + lockout, client, kind))
            if prune:
                tx.run("DELETE FROM hub_throttle WHERE updated_at < ? AND locked_until < ?",
                       (now - FORGET_AFTER_S, now))

        with self._lock:
            self._failures_seen += 1
            prune = self._failures_seen % PRUNE_EVERY == 0
        self.store.read(count)

    def succeeded(self, client: str, kind: str) -> None:
        self.store.read(lambda tx: tx.run("DELETE FROM hub_throttle WHERE client = ? AND kind = ?", (client, kind)))
