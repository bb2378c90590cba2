"""Enrolled terminals' identities (id, merchant, key) cached per hub process, so a signature check costs no database
work; and how a retirement or key rotation in one process reaches the caches of all the others.

A key never changes while a terminal is enrolled, except by the fleet's retirement and rotation (hub.fleet), which
call `Store.forget_identity`. On the single-process SQLite hub that empties the one cache. On PostgreSQL every hub
process (worker or machine) listens on the `edgepos_identity` channel and forgets what is announced there; while its
listener is not connected it caches nothing (every request loads the key), and an entry is trusted for at most
`MAX_AGE_S` whatever happens (a process that died between its commit and its announcement).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

log = logging.getLogger("edgepos.hub")
CHANNEL = "edgepos_identity"
MAX_AGE_S = 60.0
LIMIT = 100_000


class IdentityCache:
    """One process's cache; `generation` guards against a load that raced a forget putting back a stale entry."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self.generation = 0

    def get(self, terminal_id: str) -> Any | None:
        entry = self._entries.get(terminal_id)
        if entry is None or time.monotonic() - entry[0] > MAX_AGE_S:
            return None
        return entry[1]

    def put(self, terminal_id: str, terminal: Any, generation: int) -> None:
        """Keep `terminal`, loaded when the cache was at `generation` (nothing is kept if it moved since)."""
        with self._lock:
            if generation == self.generation and self.trusted() and len(self._entries) < LIMIT:
                self._entries[terminal_id] = (time.monotonic(), terminal)

    def forget(self, terminal_id: str | None = None) -> None:
        """Drop one terminal (None: all of them)."""
        with self._lock:
            self.generation += 1
            if terminal_id is None:
                self._entries.clear()
            else:
                self._entries.pop(terminal_id, None)

    def trusted(self) -> bool:
        """Whether entries may be kept now (a shared cache: only while it hears the others' announcements)."""
        return True

    def announce(self, store: Any, terminal_id: str) -> None:
        """Tell every other process to forget `terminal_id` (one process: nobody to tell)."""

    def close(self) -> None:
        self.forget()


class SharedIdentityCache(IdentityCache):
    """A PostgreSQL hub's cache: a listener thread on its own connection forgets what other processes announce."""

    def __init__(self, dsn: str) -> None:
        super().__init__()
        self._dsn = dsn
        self._listening = False
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def get(self, terminal_id: str) -> Any | None:
        if self._thread is None:
            self._start()
        return super().get(terminal_id) if self._listening else None

    def trusted(self) -> bool:
        return self._listening

    def announce(self, store: Any, terminal_id: str) -> None:
        store.read(lambda tx: tx.one("SELECT pg_notify(?, ?)", (CHANNEL, terminal_id)))

    def close(self) -> None:
        self._closed.set()
        if self._thread is not None:
            self._thread.join(5)
        super().close()

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is None and not self._closed.is_set():
                self._thread = threading.Thread(target=self._listen, name="edgepos-identity-listener", daemon=True)
                self._thread.start()

    def _listen(self) -> None:
        import psycopg

        while not self._closed.is_set():
            try:
                with psycopg.connect(self._dsn, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.forget()  # what was loaded before we listened may be stale
                    self._listening = True
                    while not self._closed.is_set():
                        for note in conn.notifies(timeout=1.0):
                            self.forget(note.payload)
            except psycopg.Error as exc:
                if self._listening:
                    log.warning('{"event": "identity_listener_lost", "error": "%s"}', type(exc).__name__)
            finally:
                self._listening = False
                self.forget()
            self._closed.wait(1.0)
