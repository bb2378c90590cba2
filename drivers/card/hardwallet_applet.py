"""Our hard-wallet applet as a card emulator (simulator: the demo, the tests, the wallet simulator and the benchmark):
the card side of the APDU protocol in drivers.card.hardwallet / docs/cbdc-apdu.md, plugged into vpcd
(drivers.card.vpcd.VpcdCard), nfcpy's UDP transport (drivers.nfc.emulator.UdpCardSim) or an in-process slot
(`WalletSlot`). A JavaCard applet implementing the same commands replaces it on a real card.
"""

from __future__ import annotations

import copy
import struct
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from drivers.card.emulator import PulledOut
from drivers.card.hardwallet import (
    AID,
    CLA,
    INS_CERT,
    INS_LAST,
    INS_LOAD,
    INS_PAY,
    INS_RECEIPT,
    INS_STATUS,
    SW_BAD_DATA,
    SW_BALANCE,
    SW_INS,
    SW_NOT_FOUND,
    SW_OK,
    SW_SEQUENCE,
    SW_SIGNATURE,
    SW_WRONG_LENGTH,
    CardChannel,
    HardWalletReader,
    WalletExchange,
    WalletStatus,
)
from drivers.errors import CardRemoved
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


class AppletChannel:
    def __init__(self, applet: HardWalletApplet) -> None:
        self.applet = applet

    def transmit(self, command: bytes) -> bytes:
        try:
            return self.applet.process(command)
        except PulledOut:
            raise CardRemoved("the hard wallet left the reader") from None


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
        yield AppletChannel(self.applet)

    def pay(self, request: PaymentRequest, precheck: Callable[[bytes, WalletStatus], None],
            accept: Callable[[bytes, bytes, WalletStatus], bytes], timeout: float = 10.0) -> WalletExchange:
        return self.reader.pay(request, precheck, accept, timeout)
