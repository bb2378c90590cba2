"""The contact reader on pyscard (PC/SC): discovery, a per-reader watcher, and one EMV transaction per session.

Every pyscard failure becomes a typed driver error, and a session always ends with the card reset and the handle
released, whatever happened, so the next customer never finds the reader stuck.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from smartcard import scard
from smartcard.Exceptions import CardConnectionException, NoCardException, SmartcardException
from smartcard.pcsc.PCSCExceptions import BaseSCardException
from smartcard.System import readers as _pcsc_readers

from drivers.base import DeviceStatus
from drivers.card.kernel import CardResult, EmvKernel, Transaction, verify_plaintext_pin
from drivers.errors import CardRemoved, DeviceAbsent, DeviceTimeout, ServiceUnavailable


def list_readers() -> list[str]:
    """Reader names; `ServiceUnavailable` when pcscd is not running."""
    try:
        return [str(r) for r in _pcsc_readers()]
    except (BaseSCardException, SmartcardException) as exc:
        text = str(exc)
        if "no readers" in text.lower() or "0x8010002E" in text:
            return []
        raise ServiceUnavailable(f"PC/SC service not available: {exc}") from None


def _find(name: str):
    for reader in _pcsc_readers():
        if str(reader) == name:
            return reader
    raise DeviceAbsent(f"reader {name!r} is not connected")


class PcscChannel:
    """`CardChannel` over one pyscard connection; card loss becomes `CardRemoved`."""

    def __init__(self, connection) -> None:
        self.connection = connection

    def transmit(self, apdu: bytes) -> bytes:
        try:
            data, sw1, sw2 = self.connection.transmit(list(apdu))
        except CardConnectionException as exc:
            raise CardRemoved(f"card left the reader: {exc}") from None
        return bytes(data) + bytes([sw1, sw2])


class PcscCardReader:
    """A contact reader: wait for a card, run the EMV kernel on it, report status."""

    kind = "card"
    transport = "pcsc"

    def __init__(self, name: str, kernel: EmvKernel, simulated: bool = False) -> None:
        self.name, self.kernel, self.simulated = name, kernel, simulated

    @classmethod
    def discover(cls, kernel: EmvKernel, prefix: str = "") -> PcscCardReader:
        names = [n for n in list_readers() if n.startswith(prefix)]
        if not names:
            raise DeviceAbsent("no smart card reader found")
        return cls(names[0], kernel)

    def card_present(self) -> bool:
        context = _context()
        try:
            hresult, states = scard.SCardGetStatusChange(context, 0, [(self.name, scard.SCARD_STATE_UNAWARE)])
            if hresult != scard.SCARD_S_SUCCESS:
                raise DeviceAbsent(f"reader {self.name!r}: {scard.SCardGetErrorMessage(hresult)}")
            return bool(states[0][1] & scard.SCARD_STATE_PRESENT)
        finally:
            scard.SCardReleaseContext(context)

    def wait_for_card(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not self.card_present():
            if time.monotonic() > deadline:
                raise DeviceTimeout(f"no card inserted in {timeout:g} s", "Ask the customer to insert the card.")
            time.sleep(0.02)

    @contextmanager
    def session(self) -> Iterator[PcscChannel]:
        """A connection to the inserted card, reset and released on exit whatever happens."""
        connection = None
        try:
            connection = _find(self.name).createConnection()
            connection.connect(disposition=scard.SCARD_RESET_CARD)
        except (CardConnectionException, NoCardException, BaseSCardException) as exc:
            if connection is not None:
                connection.release()  # its PC/SC context: not left to the garbage collector
            if isinstance(exc, BaseSCardException):
                raise ServiceUnavailable(f"PC/SC service not available: {exc}") from None
            raise CardRemoved(f"no card to talk to in {self.name!r}: {exc}") from None
        try:
            yield PcscChannel(connection)
        finally:
            try:
                with contextlib.suppress(CardConnectionException):  # already gone with the card
                    connection.disconnect()
            finally:
                connection.release()

    def transact(self, tx: Transaction, timeout: float = 30.0) -> CardResult:
        self.wait_for_card(timeout)
        with self.session() as channel:
            return self.kernel.run(channel, tx)

    def verify_pin(self, pin: str) -> bool:
        """Plaintext offline PIN check (VERIFY) by the card still in the reader, for a step-up after the
        transaction; False for a wrong PIN, a PIN that is no PIN, or a card already taken out."""
        try:
            with self.session() as channel:
                response = verify_plaintext_pin(channel, pin)
        except (CardRemoved, DeviceAbsent, ServiceUnavailable):
            return False
        return response is not None and response.ok

    def status(self) -> DeviceStatus:
        start = time.perf_counter()
        try:
            present = self.card_present()
            advice = "" if present else "reader ok, no card inserted"
            ok, code = True, ""
        except (ServiceUnavailable, DeviceAbsent) as exc:
            ok, advice, code = False, f"{exc}. {exc.advice}", exc.code
        return DeviceStatus(self.name, self.kind, self.transport, self.simulated, "ok" if ok else "error",
                            round((time.perf_counter() - start) * 1000, 2), advice, code)

    def close(self) -> None:
        pass


def _context() -> int:
    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hresult != scard.SCARD_S_SUCCESS:
        raise ServiceUnavailable(f"PC/SC service not available: {scard.SCardGetErrorMessage(hresult)}")
    return context


class ReaderWatcher:
    """Calls `on_event("inserted" | "removed", reader)` from a thread as cards come and go in one reader."""

    def __init__(self, reader: str, on_event: Callable[[str, str], None], poll_ms: int = 200) -> None:
        self.reader, self.on_event, self.poll_ms = reader, on_event, poll_ms
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pcsc-watcher", daemon=True)

    def start(self) -> ReaderWatcher:
        """Raises ServiceUnavailable here, to the caller, rather than letting the thread die unseen without pcscd."""
        self._context = _context()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2 + self.poll_ms / 1000)

    def _run(self) -> None:
        context = self._context
        try:
            state = scard.SCARD_STATE_UNAWARE
            present: bool | None = None
            while not self._stop.is_set():
                hresult, states = scard.SCardGetStatusChange(context, self.poll_ms, [(self.reader, state)])
                if hresult == scard.SCARD_E_TIMEOUT:
                    continue
                if hresult != scard.SCARD_S_SUCCESS:
                    time.sleep(self.poll_ms / 1000)
                    continue
                state = states[0][1] & ~scard.SCARD_STATE_CHANGED
                now = bool(state & scard.SCARD_STATE_PRESENT)
                if now != present:
                    if present is not None or now:
                        self.on_event("inserted" if now else "removed", self.reader)
                    present = now
        finally:
            scard.SCardReleaseContext(context)
