"""Digital currency (CBDC, e-CNY style) wire formats shared by the hub's reference operator, the till and the hard
wallet applet: issuer-signed wallet device certificates, the offline payment exchange (terminal challenge -> wallet
payment message -> terminal receipt), issuer-signed offline loads and the wallet's one-time online payment codes.

Every format is fixed-layout binary so a JavaCard applet can build and parse it without a TLV or JSON library
(docs/cbdc-apdu.md documents the APDUs that carry them). Amounts are unsigned 48-bit big-endian minor units, the
currency three ASCII letters; signatures are SM2 (SM3 digest, default user id) as r || s, 64 bytes.
"""

from __future__ import annotations

import base64
import re
import secrets
import struct
from dataclasses import dataclass

from sync.crypto import CryptoError, Sm2PrivateKey, Sm2PublicKey, sm3

CERT_VERSION = 1
PAYMENT_VERSION = 1
LOAD_VERSION = 1
ISSUER_ID_SIZE = 8
DEVICE_ID_SIZE = 8
WALLET_NO_SIZE = 16  # 16 digits, ASCII
CHALLENGE_SIZE = 16
SIG = 64
AMOUNT_MAX = (1 << 48) - 1
CERT_SIZE = 1 + ISSUER_ID_SIZE + DEVICE_ID_SIZE + WALLET_NO_SIZE + 65 + 3 + SIG  # 165
PAYMENT_BODY_SIZE = 1 + DEVICE_ID_SIZE + 4 + 6 + 3 + 6 + CHALLENGE_SIZE + 32  # 76
PAYMENT_SIZE = PAYMENT_BODY_SIZE + SIG  # 140
LOAD_SIZE = 1 + ISSUER_ID_SIZE + DEVICE_ID_SIZE + 4 + 6 + 3 + SIG  # 94

WALLET_NO = re.compile(r"^[0-9]{16}$")
CODE_PREFIX = "CBDC1."
ORDER_PREFIX = "CBDCPAY."


class CbdcFormatError(ValueError):
    """Bytes that are not a well-formed CBDC message (truncated, wrong version, bad field)."""


def issuer_id(issuer_public_key: bytes) -> bytes:
    """The 8-byte name of an issuer key (what a certificate says signed it)."""
    return sm3(b"edgepos-cbdc-issuer\n" + issuer_public_key)[:ISSUER_ID_SIZE]


def terminal_binding(terminal_id: str) -> bytes:
    """What a payment message carries of the terminal it paid (32 bytes): a message is good at one till only."""
    return sm3(b"edgepos-cbdc-terminal\n" + terminal_id.encode())


def _amount(value: int) -> bytes:
    if not 0 <= value <= AMOUNT_MAX:
        raise CbdcFormatError("amount out of range")
    return value.to_bytes(6, "big")


def _currency(code: str) -> bytes:
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise CbdcFormatError("currency must be three capital letters")
    return code.encode("ascii")


# --- certificates ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeviceCert:
    """An issuer's statement that `device_public_key` belongs to hard wallet `device_id` of wallet `wallet_no`."""

    issuer: bytes
    device_id: bytes
    wallet_no: str
    device_public_key: bytes
    currency: str
    signature: bytes

    @property
    def body(self) -> bytes:
        return (bytes([CERT_VERSION]) + self.issuer + self.device_id + self.wallet_no.encode("ascii")
                + self.device_public_key + _currency(self.currency))

    def encode(self) -> bytes:
        return self.body + self.signature

    @property
    def device_hex(self) -> str:
        return self.device_id.hex()

    @classmethod
    def decode(cls, raw: bytes) -> DeviceCert:
        if len(raw) != CERT_SIZE or raw[0] != CERT_VERSION:
            raise CbdcFormatError("not a wallet device certificate (size or version)")
        at = 1
        issuer = raw[at:at + ISSUER_ID_SIZE]
        at += ISSUER_ID_SIZE
        device = raw[at:at + DEVICE_ID_SIZE]
        at += DEVICE_ID_SIZE
        wallet = raw[at:at + WALLET_NO_SIZE].decode("ascii", "replace")
        at += WALLET_NO_SIZE
        key = raw[at:at + 65]
        at += 65
        currency = raw[at:at + 3].decode("ascii", "replace")
        at += 3
        if not WALLET_NO.match(wallet) or key[0] != 0x04 or not re.fullmatch(r"[A-Z]{3}", currency):
            raise CbdcFormatError("wallet device certificate has a malformed field")
        return cls(issuer, device, wallet, key, currency, raw[at:])

    def verify(self, issuer_key: Sm2PublicKey) -> bool:
        return self.issuer == issuer_id(issuer_key.raw) and issuer_key.verify(self.signature, self.body)


def issue_cert(issuer: Sm2PrivateKey, device_id: bytes, wallet_no: str, device_public_key: bytes,
               currency: str) -> DeviceCert:
    """The issuer signs a device key into a certificate."""
    if len(device_id) != DEVICE_ID_SIZE or not WALLET_NO.match(wallet_no) or len(device_public_key) != 65:
        raise CbdcFormatError("device id, wallet number or key malformed")
    unsigned = DeviceCert(issuer_id(issuer.public_key()), device_id, wallet_no, device_public_key, currency, b"")
    return DeviceCert(*[getattr(unsigned, f) for f in ("issuer", "device_id", "wallet_no", "device_public_key",
                                                         "currency")], issuer.sign(unsigned.body))


# --- the offline payment -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    """What the till sends the wallet (PAY command data): fresh challenge, amount, currency, its terminal id."""

    challenge: bytes
    amount: int
    currency: str
    terminal_id: str

    def encode(self) -> bytes:
        tid = self.terminal_id.encode("ascii")
        if len(self.challenge) != CHALLENGE_SIZE or not 1 <= len(tid) <= 64:
            raise CbdcFormatError("challenge or terminal id malformed")
        return self.challenge + _amount(self.amount) + _currency(self.currency) + bytes([len(tid)]) + tid

    @classmethod
    def decode(cls, raw: bytes) -> PaymentRequest:
        if len(raw) < CHALLENGE_SIZE + 6 + 3 + 2 or len(raw) != CHALLENGE_SIZE + 10 + raw[CHALLENGE_SIZE + 9]:
            raise CbdcFormatError("payment request malformed")
        at = CHALLENGE_SIZE
        amount = int.from_bytes(raw[at:at + 6], "big")
        currency = raw[at + 6:at + 9].decode("ascii", "replace")
        tid = raw[at + 10:].decode("ascii", "replace")
        return cls(raw[:CHALLENGE_SIZE], amount, currency, tid)

    @classmethod
    def fresh(cls, amount: int, currency: str, terminal_id: str) -> PaymentRequest:
        return cls(secrets.token_bytes(CHALLENGE_SIZE), amount, currency, terminal_id)


@dataclass(frozen=True, slots=True)
class PaymentMessage:
    """The wallet's signed answer: device, counter (monotonic, never reused), amount, balance left, the till's
    challenge and terminal binding."""

    device_id: bytes
    counter: int
    amount: int
    currency: str
    balance_after: int
    challenge: bytes
    terminal: bytes
    signature: bytes

    @property
    def body(self) -> bytes:
        return (bytes([PAYMENT_VERSION]) + self.device_id + struct.pack(">I", self.counter) + _amount(self.amount)
                + _currency(self.currency) + _amount(self.balance_after) + self.challenge + self.terminal)

    def encode(self) -> bytes:
        return self.body + self.signature

    @property
    def payment_id(self) -> str:
        """Stable id of this exact message (the same bytes always name the same payment)."""
        return "CBO" + sm3(self.encode()).hex()[:29].upper()

    @classmethod
    def decode(cls, raw: bytes) -> PaymentMessage:
        if len(raw) != PAYMENT_SIZE or raw[0] != PAYMENT_VERSION:
            raise CbdcFormatError("not a wallet payment message (size or version)")
        at = 1
        device = raw[at:at + DEVICE_ID_SIZE]
        at += DEVICE_ID_SIZE
        (counter,) = struct.unpack(">I", raw[at:at + 4])
        at += 4
        amount = int.from_bytes(raw[at:at + 6], "big")
        at += 6
        currency = raw[at:at + 3].decode("ascii", "replace")
        at += 3
        balance = int.from_bytes(raw[at:at + 6], "big")
        at += 6
        challenge = raw[at:at + CHALLENGE_SIZE]
        at += CHALLENGE_SIZE
        terminal = raw[at:at + 32]
        at += 32
        return cls(device, counter, amount, currency, balance, challenge, terminal, raw[at:])

    def verify(self, device_key: Sm2PublicKey) -> bool:
        return device_key.verify(self.signature, self.body)


def receipt_input(payment: bytes) -> bytes:
    """What the till signs (with its terminal key) to give the wallet its receipt for a payment message."""
    return sm3(b"edgepos-cbdc-receipt\n" + payment)


# --- offline loads ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoadToken:
    """The issuer's order to a hard wallet to add `amount` of offline value; `load_no` is monotonic per device."""

    issuer: bytes
    device_id: bytes
    load_no: int
    amount: int
    currency: str
    signature: bytes

    @property
    def body(self) -> bytes:
        return (bytes([LOAD_VERSION]) + self.issuer + self.device_id + struct.pack(">I", self.load_no)
                + _amount(self.amount) + _currency(self.currency))

    def encode(self) -> bytes:
        return self.body + self.signature

    @classmethod
    def decode(cls, raw: bytes) -> LoadToken:
        if len(raw) != LOAD_SIZE or raw[0] != LOAD_VERSION:
            raise CbdcFormatError("not a load token")
        at = 1 + ISSUER_ID_SIZE
        device = raw[at:at + DEVICE_ID_SIZE]
        at += DEVICE_ID_SIZE
        (load_no,) = struct.unpack(">I", raw[at:at + 4])
        at += 4
        amount = int.from_bytes(raw[at:at + 6], "big")
        currency = raw[at + 6:at + 9].decode("ascii", "replace")
        return cls(raw[1:1 + ISSUER_ID_SIZE], device, load_no, amount, currency, raw[at + 9:])

    def verify(self, issuer_key: Sm2PublicKey) -> bool:
        return self.issuer == issuer_id(issuer_key.raw) and issuer_key.verify(self.signature, self.body)


def sign_load(issuer: Sm2PrivateKey, device_id: bytes, load_no: int, amount: int, currency: str) -> LoadToken:
    unsigned = LoadToken(issuer_id(issuer.public_key()), device_id, load_no, amount, currency, b"")
    return LoadToken(unsigned.issuer, device_id, load_no, amount, currency, issuer.sign(unsigned.body))


# --- online payment codes (customer-presented) -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PaymentCode:
    """A one-time, short-lived code the wallet app shows (QR or barcode) and the till scans: the wallet's number, a
    random nonce and an expiry (epoch seconds), signed by the wallet's key registered at the operator."""

    wallet_no: str
    nonce: str  # 16 hex
    expires: int
    signature: bytes

    @property
    def body(self) -> bytes:
        return f"edgepos-cbdc-code-v1\n{self.wallet_no}\n{self.nonce}\n{self.expires}".encode()

    def encode(self) -> str:
        sig = base64.urlsafe_b64encode(self.signature).decode().rstrip("=")
        return f"{CODE_PREFIX}{self.wallet_no}.{self.nonce}.{self.expires}.{sig}"

    @classmethod
    def decode(cls, text: str) -> PaymentCode:
        match = re.fullmatch(r"CBDC1\.([0-9]{16})\.([0-9a-f]{16})\.([0-9]{1,12})\.([A-Za-z0-9_-]{86})", text.strip())
        if not match:
            raise CbdcFormatError("not a digital-currency payment code")
        try:
            signature = base64.urlsafe_b64decode(match.group(4) + "==")
        except ValueError:
            raise CbdcFormatError("payment code signature is not base64") from None
        return cls(match.group(1), match.group(2), int(match.group(3)), signature)

    def verify(self, wallet_key: Sm2PublicKey) -> bool:
        return wallet_key.verify(self.signature, self.body)


def sign_code(wallet_key: Sm2PrivateKey, wallet_no: str, expires: int) -> PaymentCode:
    nonce = secrets.token_hex(8)
    unsigned = PaymentCode(wallet_no, nonce, expires, b"")
    return PaymentCode(wallet_no, nonce, expires, wallet_key.sign(unsigned.body))


def is_payment_code(text: str) -> bool:
    """Whether a scanned text is a CBDC payment code (the till routes it to the digital-currency tender)."""
    return text.strip().startswith(CODE_PREFIX)


def order_qr(order_id: str) -> str:
    """The text of a merchant-presented QR: the wallet app pays the order it names at the operator."""
    return f"{ORDER_PREFIX}{order_id}"


def order_from_qr(text: str) -> str:
    match = re.fullmatch(r"CBDCPAY\.([A-Za-z0-9_-]{8,64})", text.strip())
    if not match:
        raise CbdcFormatError("not a digital-currency merchant QR")
    return match.group(1)


def wallet_request_input(wallet_no: str, action: str, body: bytes, when: str) -> bytes:
    """What a wallet signs to act at the operator (pay a merchant order): its number, the action, the time, the
    SM3 of the body."""
    return sm3(f"edgepos-cbdc-wallet-v1\n{wallet_no}\n{action}\n{when}\n".encode() + sm3(body))


def parse_hex(text: str, size: int | None = None) -> bytes:
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raise CbdcFormatError("not hex") from None
    if size is not None and len(raw) != size:
        raise CbdcFormatError(f"expected {size} bytes")
    return raw


__all__ = ["CbdcFormatError", "CryptoError", "DeviceCert", "LoadToken", "PaymentCode", "PaymentMessage",
           "PaymentRequest"]
