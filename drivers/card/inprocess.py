"""An in-process card reader (a simulator): the emulator's test cards through the real EMV kernel, no pcscd needed.

The demo and the tests "present" a card, then the checkout transacts exactly as with a PC/SC or NFC reader. The
PIN the customer would type on the PIN pad is given with the card.
"""

from __future__ import annotations

import time

from drivers.base import DeviceStatus
from drivers.card.emulator import TEST_CARDS, CardProfile, EmulatorChannel, EmvCardEmulator
from drivers.card.kernel import CardResult, EmvKernel, TerminalConfig, Transaction, verify_plaintext_pin
from drivers.errors import DeviceTimeout


class EmulatedCardReader:
    def __init__(self, config: TerminalConfig, contactless: bool = False, name: str | None = None) -> None:
        self.config = config
        self.contactless = contactless
        self.name = name or ("contactless reader (emulated)" if contactless else "card reader (emulated)")
        self._waiting: EmvCardEmulator | None = None  # presented, not read yet
        self._last: EmvCardEmulator | None = None  # the card just read (for a PIN step-up)
        self._pin: str | None = None
        self.card_io_ms = 0.0  # time spent talking to the card in the last transaction

    def present(self, card: CardProfile | str, pin: str | None = None) -> None:
        profile = TEST_CARDS[card] if isinstance(card, str) else card
        self._waiting = EmvCardEmulator(profile)
        self._pin = pin

    def transact(self, tx: Transaction, timeout: float = 30.0) -> CardResult:
        card, self._waiting = self._waiting, None
        if card is None:
            raise DeviceTimeout("no card was presented", "Ask the customer to insert or tap the card.")
        kernel = EmvKernel(self.config, pin_entry=lambda tries: self._pin)
        started = time.perf_counter()
        try:
            result = kernel.run(EmulatorChannel(card), tx, contactless=self.contactless)
        except Exception:
            self._last = None
            raise
        finally:
            self.card_io_ms = (time.perf_counter() - started) * 1000
        self._last = card
        return result

    def verify_pin(self, pin: str) -> bool:
        """Plaintext offline PIN check by the card just read (VERIFY); False when no card or a wrong PIN."""
        if self._last is None:
            return False
        response = verify_plaintext_pin(EmulatorChannel(self._last), pin)
        return response is not None and response.ok

    def status(self) -> DeviceStatus:
        return DeviceStatus(self.name, "nfc" if self.contactless else "card", "in-process", True, "ok", 0.0)

    def close(self) -> None:
        self._waiting = self._last = None
