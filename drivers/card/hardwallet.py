"""The offline digital-currency hard wallet: our applet's APDU protocol (docs/cbdc-apdu.md), the terminal side that
runs the two-way payment exchange over any card channel (pcscd + vpcd contact, nfcpy contactless), and the applet
itself as a card emulator for the demo, the tests and the wallet simulator.

The exchange: SELECT the applet, READ CERTIFICATE and GET STATUS (the till checks chain, revocation and its caps
before any value moves), PAY with the till's fresh challenge, amount and terminal id (the wallet signs a payment
message, raises its counter and lowers its balance in one step), then RECEIPT: the till, having verified and
journalled the payment, gives the wallet its terminal-signed receipt. A card pulled out before PAY answers has paid
nothing; after, the till holds a signed payment and the wallet a lower balance (it can read its last payment back).
"""

from __future__ import annotations

import copy
import struct
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from drivers.card.emulator import PulledOut
from drivers.errors import CardRemoved, DeviceError, MalformedResponse
from drivers.nfc.reader import IsoDepChannel
from sync.cbdc import (
    CHALLENGE_SIZE,
    PAYMENT_VERSION,
    SIG,
    CbdcFormatError,
    DeviceCert,
    LoadToken,
    PaymentRequest,
    terminal_binding,
)
from sync.crypto import Sm2PrivateKey, Sm2PublicKey

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

    @classmethod
    def emulated(cls, applet: HardWalletApplet, name: str = "emulated hard wallet") -> HardWalletReader:
        @contextmanager
        def sessions(timeout: float) -> Iterator[CardChannel]:
            yield _AppletChannel(applet)

        return cls(sessions, name)

    def pay(self, request: PaymentRequest, precheck: Callable[[bytes, WalletStatus], None],
            accept: Callable[[bytes, bytes, WalletStatus], bytes], timeout: float = 10.0) -> WalletExchange:
        with self._sessions(timeout) as channel:
            return exchange(channel, request, precheck, accept)

    def load(self, token: bytes, timeout: float = 10.0) -> WalletStatus:
        with self._sessions(timeout) as channel:
            return load(channel, token)


class _AppletChannel:
    def __init__(self, applet: HardWalletApplet) -> None:
        self.applet = applet

    def transmit(self, command: bytes) -> bytes:
        try:
            return self.applet.process(command)
        except PulledOut:
            raise CardRemoved("the hard wallet left the reader") from None


# --- the applet (card side) ----------------------------------------------------------------------------------------


@dataclass
class HardWalletApplet:
    """Our hard-wallet applet as the secure element would run it. `pull_out_at` names a command (PAY, RECEIPT) at
    which the card is pulled out before answering (tests). `clone()` copies everything, the key included: the
    attack the hub's double-spend detection exists for."""

    key: Sm2PrivateKey
    cert: bytes
    issuer_key: bytes
    counter: int = 1
    balance: int = 0
    last_load: int = 0
    last_payment: bytes = b""
    receipt_pending: bool = False
    receipts: list[bytes] = field(default_factory=list)
    pull_out_at: str | None = None
    selected: bool = False

    def __post_init__(self) -> None:
        self._cert = DeviceCert.decode(self.cert)
        self._issuer = Sm2PublicKey(self.issuer_key)

    def clone(self) -> HardWalletApplet:
        twin = copy.copy(self)
        twin.receipts = list(self.receipts)
        return twin

    def reset(self) -> None:
        self.selected = False

    def process(self, command: bytes) -> bytes:
        if len(command) < 4:
            return SW_WRONG_LENGTH
        if command[:4] == b"\x00\xa4\x04\x00":
            self.selected = len(command) > 5 and command[5:5 + command[4]] == AID
            return SW_OK if self.selected else SW_NOT_FOUND
        if not self.selected or command[0] != CLA:
            return SW_INS
        ins = command[1]
        data = command[5:5 + command[4]] if len(command) > 5 else b""
        if ins == INS_STATUS:
            return (self._cert.device_id + struct.pack(">I", self.counter) + self.balance.to_bytes(6, "big")
                    + self._cert.currency.encode() + bytes([self.receipt_pending]) + SW_OK)
        if ins == INS_CERT:
            return self.cert + SW_OK
        if ins == INS_PAY:
            if self.pull_out_at == "PAY":
                raise PulledOut
            return self._pay(data)
        if ins == INS_RECEIPT:
            if self.pull_out_at == "RECEIPT":
                raise PulledOut
            if not self.receipt_pending or len(data) != SIG:
                return SW_SEQUENCE
            self.receipts.append(data)
            self.receipt_pending = False
            return SW_OK
        if ins == INS_LOAD:
            return self._load(data)
        if ins == INS_LAST:
            return (self.last_payment + SW_OK) if self.last_payment else SW_NOT_FOUND
        return SW_INS

    def _pay(self, data: bytes) -> bytes:
        try:
            request = PaymentRequest.decode(data)
        except CbdcFormatError:
            return SW_BAD_DATA
        if request.currency != self._cert.currency or request.amount <= 0 or len(request.challenge) != CHALLENGE_SIZE:
            return SW_BAD_DATA
        if request.amount > self.balance:
            return SW_BALANCE
        body = (bytes([PAYMENT_VERSION]) + self._cert.device_id + struct.pack(">I", self.counter)
                + request.amount.to_bytes(6, "big") + request.currency.encode()
                + (self.balance - request.amount).to_bytes(6, "big") + request.challenge
                + terminal_binding(request.terminal_id))
        message = body + self.key.sign(body)
        # one atomic step in a secure element: counter up, value down, message kept until a receipt comes
        self.counter += 1
        self.balance -= request.amount
        self.last_payment, self.receipt_pending = message, True
        return message + SW_OK

    def _load(self, data: bytes) -> bytes:
        try:
            token = LoadToken.decode(data)
        except CbdcFormatError:
            return SW_BAD_DATA
        if token.device_id != self._cert.device_id or token.currency != self._cert.currency:
            return SW_BAD_DATA
        if not token.verify(self._issuer):
            return SW_SIGNATURE
        if token.load_no != self.last_load + 1:
            return SW_SEQUENCE
        self.last_load, self.balance = token.load_no, self.balance + token.amount
        return SW_OK

    # --- the simulator keeps its cards in files (the wallet simulator; never a real secure element) -------------

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key.private_bytes().hex(), "cert": self.cert.hex(), "issuer_key": self.issuer_key.hex(),
                "counter": self.counter, "balance": self.balance, "last_load": self.last_load,
                "last_payment": self.last_payment.hex(), "receipt_pending": self.receipt_pending,
                "receipts": [r.hex() for r in self.receipts[-20:]]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HardWalletApplet:
        return cls(Sm2PrivateKey(bytes.fromhex(data["key"])), bytes.fromhex(data["cert"]),
                   bytes.fromhex(data["issuer_key"]), int(data["counter"]), int(data["balance"]),
                   int(data["last_load"]), bytes.fromhex(data["last_payment"]), bool(data["receipt_pending"]),
                   [bytes.fromhex(r) for r in data["receipts"]])


class WalletSlot:
    """An emulated reader slot (demo, tests, benchmark): `present(applet)` puts a hard wallet on it, `remove()`
    takes it away. Hard wallets come through the same terminal-side exchange as over pcscd or nfcpy."""

    def __init__(self, name: str = "emulated hard-wallet reader") -> None:
        self.name, self.applet = name, None
        self.reader = HardWalletReader(self._session, name)

    def present(self, applet: HardWalletApplet | None) -> None:
        self.applet = applet

    def remove(self) -> None:
        self.applet = None

    @contextmanager
    def _session(self, timeout: float) -> Iterator[CardChannel]:
        if self.applet is None:
            raise CardRemoved("no hard wallet on the reader")
        yield _AppletChannel(self.applet)

    def pay(self, request: PaymentRequest, precheck: Callable[[bytes, WalletStatus], None],
            accept: Callable[[bytes, bytes, WalletStatus], bytes], timeout: float = 10.0) -> WalletExchange:
        return self.reader.pay(request, precheck, accept, timeout)
