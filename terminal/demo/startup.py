"""The demo's slow parts, started behind the window: the hub child, the till's enrolment and first sync round, and
the warm-up of what the first sale would otherwise wait for (python-escpos).

The window needs only the till's own files (keys, journal, operators) to let a cashier log in; the hub takes ~0.5-1 s
to start and the first sync round one more round trip. `BackgroundStart.state` says how far it got, for the status
bar; `ready` is set when it is done (`error` says what failed, and the till sells offline meanwhile).
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Any

log = logging.getLogger("edgepos.demo")
MERCHANT = "M-DEMO"
WINDOW_WAIT_S = 10.0  # without a window saying it is up (or one that never paints), go on after this


def free_port(host: str = "127.0.0.1") -> int:
    """A port free right now, so the till knows its hub's URL before the hub runs (the hub binds it a moment later;
    another program taking it in between makes the hub fail to start, which the status bar then says)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class BackgroundStart:
    """Start the hub, enrol the till and run its first sync round in a thread, after the window is up."""

    def __init__(self, store: Any, enrol_secret: bytes, start_hub: bool = True) -> None:
        self.store, self._secret, self._start_hub = store, enrol_secret, start_hub
        self.state = "starting the hub"
        self.error: str | None = None
        self.ready = threading.Event()
        self.started_at = time.monotonic()
        self.ready_s: float | None = None
        self._closing = threading.Event()
        self._window_up = threading.Event()
        self._thread = threading.Thread(target=self._run, name="edgepos-demo-startup", daemon=True)

    def start(self) -> BackgroundStart:
        self._thread.start()
        return self

    def _run(self) -> None:
        till, hub = self.store.till, self.store.hub
        try:
            if self._start_hub:
                hub.start()
                if self._closing.is_set():  # the app closed while the hub came up: do not leave it behind
                    hub.stop()
                    return
            # the hub child started on the other core; what follows runs Python here, after the window is painted
            self._window_up.wait(WINDOW_WAIT_S)
            if self._closing.is_set():
                return
            if self._start_hub:
                self.state = "enrolling the till"
                till.uplink.enrol(MERCHANT, self._secret)
                self.state = "first sync round"
                till.uplink.sync_once()
                till.uplink.poke()
            self.state = "warming up the printer"
            _ = till.printer.device  # imports python-escpos (~0.5 s) now rather than at the first receipt
            self.state = "ready"
        except Exception as exc:  # the till sells offline without its hub; the status bar says why
            log.warning("demo start-up: %s failed: %s", self.state, exc)
            self.error = f"{self.state} failed: {exc}"
            self.state = "failed"
        finally:
            self.ready_s = time.monotonic() - self.started_at
            self.ready.set()

    def window_up(self) -> None:
        """The window is painted: the rest (enrolment, first round, warm-ups) may take the CPU now."""
        self._window_up.set()

    def close(self, timeout: float = 30.0) -> None:
        """Wait for the thread (the store's closers stop the hub afterwards)."""
        self._closing.set()
        self._window_up.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
