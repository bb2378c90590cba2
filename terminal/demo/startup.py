"""The demo's slow parts, started behind the window: the hub child, the till's enrolment and first sync round, pcscd
with its virtual reader, and the warm-up of what the first receipt would otherwise wait for (python-escpos).

The window needs only the till's own files (keys, journal, operators) to let a cashier log in; the hub takes ~0.5-1 s
to start and the first sync round one more round trip. `BackgroundStart.state` says how far it got, for the status
bar; `ready` is set when it is done (`error` says what failed; the till sells offline and with in-process cards
meanwhile).
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


class SwitchableCardSlot:
    """The demo's card panel while pcscd comes up: the in-process slot first, the pcscd one once it is there."""

    def __init__(self, slot: Any) -> None:
        self._slot, self._lock = slot, threading.Lock()

    def names(self) -> list[str]:
        return self._slot.names()

    def label(self, name: str) -> str:
        return self._slot.label(name)

    def present(self, name: Any, pin: str | None = None, contactless: bool = False) -> None:
        with self._lock:
            self._slot.present(name, pin=pin, contactless=contactless)

    def switch(self, slot: Any, along: Any = None) -> None:
        """Use `slot` from now on; `along()` (the till's reader swap) runs in the same moment: no card goes in
        between."""
        with self._lock:
            if along is not None:
                along()
            self._slot = slot

    def close(self) -> None:
        pass  # the slots are closed by whoever opened them


class BackgroundStart:
    """Start the hub, enrol the till, run its first sync round, bring up pcscd's card reader and warm up the printer
    in a thread, once the window is painted (`window_up()`)."""

    def __init__(self, store: Any, start_hub: bool = True, devices: str = "inprocess") -> None:
        self.store, self._start_hub, self._devices = store, start_hub, devices
        self.state = "starting the hub" if start_hub else "starting the devices"
        self.errors: list[str] = []
        self.ready = threading.Event()
        self.started_at = time.monotonic()
        self.ready_s: float | None = None
        self._closing = threading.Event()
        self._window_up = threading.Event()
        self._closers: list[Any] = []
        self._thread = threading.Thread(target=self._run, name="edgepos-demo-startup", daemon=True)

    @property
    def error(self) -> str | None:
        return "; ".join(self.errors) or None

    def start(self) -> BackgroundStart:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            # nothing starts before the window is painted: on a busy 2-core till the hub child's own start-up (~0.6 s
            # of CPU) would take the core the window needs (measured: window 1.3-1.9 s this way, 1.6-2.0 s otherwise)
            self._window_up.wait(WINDOW_WAIT_S)
            hub_up = self._step("starting the hub", self._hub_start) if self._start_hub else False
            if hub_up:
                self._step("enrolling the till", self._enrol)
            if self._devices != "inprocess":
                self._step("starting the devices", self._pcscd)
            self._step("warming up the printer", lambda: self.store.till.printer.device)  # python-escpos, ~0.1-0.5 s
            self.state = "failed" if self.errors else "ready"
        finally:
            self.ready_s = time.monotonic() - self.started_at
            self.ready.set()

    def _step(self, state: str, do: Any) -> bool:
        if self._closing.is_set():
            return False
        self.state = state
        try:
            do()
            return True
        except Exception as exc:  # the till sells offline / with in-process cards meanwhile; the status bar says why
            log.warning("demo start-up: %s failed: %s", state, exc)
            self.errors.append(f"{state} failed: {exc}")
            return False

    def _hub_start(self) -> None:
        self.store.hub.start()
        if self._closing.is_set():  # the app closed while the hub came up: do not leave it behind
            self.store.hub.stop()

    def _enrol(self) -> None:
        uplink = self.store.till.uplink
        uplink.enrol(MERCHANT, self.store.hub.enrol_code(MERCHANT).encode())  # a one-time code from its own hub
        self.state = "first sync round"
        uplink.sync_once()
        uplink.poke()

    def _pcscd(self) -> None:
        """pcscd + vpcd's reader (started when not running): the till's contact reader and the card panel move to
        it; until then they were the in-process ones."""
        from drivers.card.kernel import TerminalConfig
        from terminal.demo.store import inprocess_note, pcscd_note, start_cards

        store, till = self.store, self.store.till
        backend, pcscd, why = start_cards(self._devices)
        if pcscd is None:
            store.device_note = inprocess_note(why)
            return
        self._closers.append(pcscd.close)
        reader = pcscd.reader(TerminalConfig(token_key=till.keystore.token_key()))
        pcscd.attach(till)

        def use_reader() -> None:
            till.card_reader = till.checkout.ports.card_reader = reader

        store.cards.switch(pcscd, use_reader)
        store.devices, store.device_note = backend, pcscd_note(pcscd)

    def window_up(self) -> None:
        """The window is painted: the hub, the enrolment, the devices and the warm-ups may take the CPU now."""
        self._window_up.set()

    def close(self, timeout: float = 30.0) -> None:
        """Wait for the thread and close the devices it opened (the store's closers stop the hub afterwards)."""
        self._closing.set()
        self._window_up.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        for close in reversed(self._closers):
            try:
                close()
            except Exception as exc:
                log.warning("demo start-up: closing %s failed: %s", close, exc)
        self._closers.clear()
