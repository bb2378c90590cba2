"""Back-off for guessers: per client address and kind (admin token, enrolment code), failures are free up to
`FREE_FAILURES` in a row; each one after that locks the client out for twice as long as the last (1 s, 2 s, 4 s
... at most `MAX_LOCKOUT_S`), answered 429 with `Retry-After`. A success clears the client's count.

Kept in memory (one hub process); the table is bounded, oldest entries go first. Behind a reverse proxy the proxy
must pass the real client address (uvicorn's --forwarded-allow-ips) or throttle itself.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

from hub.errors import HubError, Unauthorized

FREE_FAILURES = 10
MAX_LOCKOUT_S = 300.0
MAX_CLIENTS = 10_000


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
            over = record.failures - self.free_failures
            if over > 0:
                record.locked_until = time.monotonic() + min(2.0 ** (over - 1), self.max_lockout_s)
            self._records[(client, kind)] = record
            while len(self._records) > MAX_CLIENTS:
                self._records.popitem(last=False)

    def succeeded(self, client: str, kind: str) -> None:
        with self._lock:
            self._records.pop((client, kind), None)
