"""The offline digital-currency hard wallet: our applet's APDU protocol (docs/cbdc-apdu.md) and the terminal side that
runs the two-way payment exchange over any card channel (pcscd + vpcd contact, nfcpy contactless). The applet itself,
as a card emulator for the demo, the tests and the wallet simulator, is drivers.card.hardwallet_applet.

The exchange: SELECT the applet, READ CERTIFICATE and GET STATUS (the till checks chain, revocation and its caps
before any value moves), PAY with the till's fresh challenge, amount and terminal id (the wallet signs a payment
message, raises its counter and lowers its balance in one step), then RECEIPT: the till, having verified and
journalled the payment, gives the wallet its terminal-signed receipt. A card pulled out before PAY answers has paid
nothing; after, the till holds a signed payment and the wallet a lower balance (it can read its last payment back).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from drivers.errors import CardRemoved, DeviceError, MalformedResponse
from drivers.nfc.reader import IsoDepChannel
from sync.cbdc import (
    PaymentRequest,
)

AID = bytes.fromhex("A000000632434244430101")  # RID A000000632 (test range) + "CBDC" + version 1.1
CLA = 0x80
INS_STATUS, INS_CERT, INS_PAY, INS_RECEIPT, INS_LOAD, INS_LAST = 0x10, 0x12, 0x20, 0x22, 0x30, 0x32
SW_OK = b"\x90\x00"
SW_WRONG_LENGTH = b"\x67\x00"
SW_BAD_DATA = b"\x6a\x80"
SW_BALANCE = b"\x69\x86"  # not enough offline value
SW_SEQUENCE = b"\x69\x85"  # conditions not satisfied (no payment to receipt, load out of order)
SW_SIGNATURE = b"\x69\x82"  # the load is not signed by the issuer
SW_INS = b"\x6d\x00"
SW_NOT_FOUND = b"\x6a\x82"
STATUS_SIZE = 8 + 4 + 6 + 3 + 1


class CardChannel(Protocol):
    def transmit(self, apdu: bytes) -> bytes: ...


class HardWalletError(DeviceError):
    """The hard wallet answered with a status word the exchange cannot go on from."""

    code = "cbdc_wallet_refused"
    advice = "The hard wallet refused. Ask the customer to pay another way."

    def __init__(self, message: str, sw: bytes) -> None:
        super().__init__(message)
        self.sw = sw


class HardWalletLow(HardWalletError):
    code = "cbdc_wallet_balance_low"
    advice = "The hard wallet holds too little offline value. Ask for another way to pay."


def apdu(ins: int, data: bytes = b"", le: bool = True, p1: int = 0, p2: int = 0) -> bytes:
    body = bytes([CLA, ins, p1, p2])
    if data:
        body += bytes([len(data)]) + data
    return body + (b"\x00" if le else b"")


def select_apdu() -> bytes:
    return bytes([0x00, 0xA4, 0x04, 0x00, len(AID)]) + AID + b"\x00"


@dataclass(frozen=True, slots=True)
class WalletStatus:
    device_id: bytes
    counter: int  # the next payment's counter
    balance: int
    currency: str
    receipt_pending: bool

    @classmethod
    def decode(cls, raw: bytes) -> WalletStatus:
        if len(raw) != STATUS_SIZE:
            raise MalformedResponse("hard wallet status has the wrong size")
        (counter,) = struct.unpack(">I", raw[8:12])
        return cls(raw[:8], counter, int.from_bytes(raw[12:18], "big"), raw[18:21].decode("ascii", "replace"),
                   raw[21] == 1)


@dataclass(frozen=True, slots=True)
class WalletExchange:
    """What one exchange produced: the wallet's certificate and status, its signed payment message, and whether
    the receipt reached the wallet."""

    cert: bytes
    status: WalletStatus
    payment: bytes
    receipt_delivered: bool


def _check(answer: bytes, what: str) -> bytes:
    if len(answer) < 2:
        raise MalformedResponse(f"hard wallet gave no status word to {what}")
    sw = answer[-2:]
    if sw == SW_OK:
        return answer[:-2]
    if sw == SW_BALANCE:
        raise HardWalletLow(f"hard wallet: not enough offline value ({what})", sw)
    raise HardWalletError(f"hard wallet answered {sw.hex()} to {what}", sw)


def read_wallet(channel: CardChannel) -> tuple[bytes, WalletStatus]:
    """SELECT the applet, then its certificate and status."""
    _check(channel.transmit(select_apdu()), "SELECT")
    cert = _check(channel.transmit(apdu(INS_CERT)), "READ CERTIFICATE")
    status = WalletStatus.decode(_check(channel.transmit(apdu(INS_STATUS)), "GET STATUS"))
    return cert, status


def exchange(channel: CardChannel, request: PaymentRequest, precheck: Callable[[bytes, WalletStatus], None],
             accept: Callable[[bytes, bytes, WalletStatus], bytes]) -> WalletExchange:
    """One two-way offline payment on `channel`. `precheck(cert, status)` raises to refuse before any value moves;
    `accept(cert, payment, status)` verifies and journals the payment and returns the terminal's receipt signature
    (it raises to refuse a payment that does not verify: nothing is journalled then)."""
    cert, status = read_wallet(channel)
    precheck(cert, status)
    payment = _check(channel.transmit(apdu(INS_PAY, request.encode())), "PAY")
    receipt = accept(cert, payment, status)
    try:
        _check(channel.transmit(apdu(INS_RECEIPT, receipt, le=False)), "RECEIPT")
        delivered = True
    except (CardRemoved, DeviceError):  # the payment is journalled and stands; the wallet can read it back
        delivered = False
    return WalletExchange(cert, status, payment, delivered)


def load(channel: CardChannel, token: bytes) -> WalletStatus:
    """Put an issuer-signed load token into the wallet; returns its status after."""
    _check(channel.transmit(select_apdu()), "SELECT")
    _check(channel.transmit(apdu(INS_LOAD, token, le=False)), "LOAD")
    return WalletStatus.decode(_check(channel.transmit(apdu(INS_STATUS)), "GET STATUS"))


class HardWalletReader:
    """A reader the hard wallet is presented to: contact (drivers.card.pcsc.PcscCardReader) or contactless
    (drivers.nfc.reader.NfcReader); `sessions` opens one card session (a channel) per exchange."""

    def __init__(self, sessions: Callable[[float], AbstractContextManager[CardChannel]], name: str) -> None:
        self._sessions, self.name = sessions, name

    @classmethod
    def contact(cls, reader: Any) -> HardWalletReader:
        def sessions(timeout: float) -> AbstractContextManager[CardChannel]:
            reader.wait_for_card(timeout)
            return reader.session()

        return cls(sessions, reader.name)

    @classmethod
    def contactless(cls, reader: Any) -> HardWalletReader:
        @contextmanager
        def sessions(timeout: float) -> Iterator[CardChannel]:
            with reader.tag(timeout) as tag:
                yield IsoDepChannel(tag)

        return cls(sessions, reader.name)

    def pay(self, request: PaymentRequest, precheck: Callable[[bytes, WalletStatus], None],
            accept: Callable[[bytes, bytes, WalletStatus], bytes], timeout: float = 10.0) -> WalletExchange:
        with self._sessions(timeout) as channel:
            return exchange(channel, request, precheck, accept)

    def load(self, token: bytes, timeout: float = 10.0) -> WalletStatus:
        with self._sessions(timeout) as channel:
            return load(channel, token)
