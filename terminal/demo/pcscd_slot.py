"""Demo cards through the real PC/SC stack: pcscd with vsmartcard's vpcd reader, our emulator as the chip.

Presenting a card plugs a fresh `VpcdCard` into "Virtual PCD 00 00"; it stays in until the next card, as a customer
leaves the card in for a PIN step-up. Contactless taps stay in-process (vpcd is a contact reader).
"""

from __future__ import annotations

import time

from drivers.card.emulator import TEST_CARDS, CardProfile, EmvCardEmulator
from drivers.card.kernel import EmvKernel, TerminalConfig
from drivers.card.pcsc import PcscCardReader
from drivers.card.vpcd import VpcdCard
from drivers.pcscd import PcscdService
from terminal.demo.rig import Till
from terminal.demo.store import DemoCardNames

READER = "Virtual PCD 00 00"


class PcscdCardSlot(DemoCardNames):
    def __init__(self, service: PcscdService, reader_name: str = READER) -> None:
        self.service, self.reader_name = service, reader_name
        self.pin: str | None = None
        self.card: VpcdCard | None = None
        self.pcsc: PcscCardReader | None = None
        self.till: Till | None = None

    @classmethod
    def start(cls, reader_name: str = READER) -> PcscdCardSlot:
        """Reuse or start pcscd and wait for the vpcd reader (`ServiceUnavailable` when it cannot)."""
        return cls(PcscdService(reader_name).__enter__(), reader_name)

    def reader(self, config: TerminalConfig) -> PcscCardReader:
        """The till's contact reader (rig's `card_reader` factory): the PIN pad is this slot's `pin`."""
        self.pcsc = PcscCardReader(self.reader_name, EmvKernel(config, pin_entry=lambda tries: self.pin),
                                   simulated=True)
        return self.pcsc

    def attach(self, till: Till) -> None:
        self.till = till

    def present(self, name: str | CardProfile, pin: str | None = None, contactless: bool = False) -> None:
        profile = TEST_CARDS[name] if isinstance(name, str) else name
        if contactless:
            assert self.till is not None
            self.till.contactless_reader.present(profile, pin=pin)
            return
        self._take_out()
        self.pin = pin
        self.card = VpcdCard(EmvCardEmulator(profile)).insert()

    def _take_out(self) -> None:
        if self.card is None:
            return
        self.card.remove()
        self.card = None
        # vpcd quirk: a card plugged in right after one left can go unseen; wait until pcscd saw it leave
        deadline = time.monotonic() + 3
        while self.pcsc is not None and self.pcsc.card_present() and time.monotonic() < deadline:
            time.sleep(0.01)

    def close(self) -> None:
        self._take_out()
        self.service.__exit__()
