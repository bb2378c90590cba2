"""The contactless reader on nfcpy: poll for an ISO-DEP (Type 4A) card, run the EMV kernel over PPSE, read NDEF.

`path` is any nfcpy device path: "usb:072f:2200" for an ACR122U, "tty:USB0:pn532", or "udp:127.0.0.1:PORT" for
the simulator. nfcpy's poll blocks up to ~1 s per round without a card, so stopping takes that long.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from drivers.base import DeviceStatus, probe
from drivers.card.kernel import CardResult, EmvKernel, Transaction
from drivers.errors import CardRemoved, DeviceAbsent, DeviceTimeout, MalformedResponse


def mute_frame_dumps() -> None:
    """nfcpy logs every frame in hex at DEBUG, card records (PAN, track 2) included: never let that level through,
    whatever logging an operator turned on. Its own loggers only; called before any frame is exchanged."""
    for name in ("nfc", *[n for n in list(logging.Logger.manager.loggerDict) if n.startswith("nfc.")]):
        logger = logging.getLogger(name)
        if logger.level < logging.INFO and (name == "nfc" or logger.level != logging.NOTSET):
            logger.setLevel(logging.INFO)


class IsoDepChannel:
    """`CardChannel` over an nfcpy Type4ATag: the same kernel as contact, with PPSE."""

    def __init__(self, tag) -> None:
        self.tag = tag

    def transmit(self, apdu: bytes) -> bytes:
        import nfc.clf
        import nfc.tag

        try:
            data = self.tag.transceive(bytes(apdu))
        except (nfc.clf.CommunicationError, nfc.tag.TagCommandError) as exc:
            raise CardRemoved(f"contactless card left the field: {exc}") from None
        if data is None:
            raise CardRemoved("contactless card left the field")
        return bytes(data)


class NfcReader:
    kind = "nfc"

    def __init__(self, path: str, kernel: EmvKernel | None = None, name: str = "contactless reader",
                 simulated: bool = False) -> None:
        self.path, self.kernel, self.name, self.simulated = path, kernel, name, simulated
        self.transport = path.split(":")[0]
        self.clf = None

    def connect(self) -> None:
        import nfc

        if self.clf is None:
            mute_frame_dumps()
            try:
                self.clf = nfc.ContactlessFrontend(self.path)
            except OSError as exc:
                raise DeviceAbsent(f"{self.name} at {self.path}: {exc}") from None

    @contextmanager
    def tag(self, timeout: float = 5.0) -> Iterator:
        """An activated ISO-DEP card; deselected on exit whatever happens."""
        self.connect()
        deadline = time.monotonic() + timeout
        tag = None
        while tag is None:
            if time.monotonic() > deadline:
                raise DeviceTimeout(f"no contactless card within {timeout:g} s", "Ask the customer to tap again.")
            tag = self.clf.connect(rdwr={"targets": ["106A"], "on-connect": lambda t: False, "iterations": 1,
                                         "interval": 0.05}, terminate=lambda: time.monotonic() > deadline)
            if tag is False:
                tag = None
        if tag.type != "Type4Tag":
            raise MalformedResponse(f"{tag.type} is not an ISO-DEP payment card or token")
        try:
            yield tag
        finally:
            with contextlib.suppress(Exception):  # gone already: nothing to release
                tag._dep.deactivate()

    def transact(self, tx: Transaction, timeout: float = 5.0) -> CardResult:
        if self.kernel is None:
            raise ValueError("this reader has no EMV kernel")
        with self.tag(timeout) as tag:
            return self.kernel.run(IsoDepChannel(tag), tx, contactless=True)

    def read_uid(self, timeout: float = 5.0) -> bytes:
        """The UID of the ISO-DEP tag held to the reader (a staff badge at the kiosk)."""
        with self.tag(timeout) as tag:
            return bytes(tag.identifier)

    def read_ndef(self, timeout: float = 5.0) -> list[tuple[str, bytes]]:
        """(type, payload) of each NDEF record, e.g. a CBDC offline token."""
        import ndef as ndeflib
        import nfc.tag

        with self.tag(timeout) as tag:
            try:
                ndef = tag.ndef
            except nfc.tag.TagCommandError as exc:
                raise CardRemoved(f"card left during NDEF read: {exc}") from None
            if ndef is None:
                raise MalformedResponse("the card holds no NDEF message")
            try:  # the message is the card's bytes: hostile input
                return [(r.type, bytes(r.data)) for r in ndef.records]
            except (ndeflib.DecodeError, ValueError) as exc:
                raise MalformedResponse(f"the card's NDEF message is damaged: {exc}") from None

    def status(self) -> DeviceStatus:
        return probe(self.name, self.kind, self.transport, self.simulated, self.connect)

    def close(self) -> None:
        if self.clf is not None:
            self.clf.close()
            self.clf = None
